// A TCP load balancer in front of several instances, as the SDK meets one in production: each
// client connection goes to the next instance in turn, and to the one after it when that one
// refuses the connection (it has died). A connection whose instance goes away is cut, so that a
// request in flight on it fails as a network error and the client retries, through here, on another.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface RoundRobinProxy {
  url: string;
  /** Client connections each instance has been given. */
  connectionsTo: Record<string, number>;
  close(): Promise<void>;
}

export async function roundRobinProxy(targets: readonly string[]): Promise<RoundRobinProxy> {
  const upstreams = targets.map((target) => new URL(target));
  const connectionsTo: Record<string, number> = Object.fromEntries(targets.map((target) => [target, 0]));
  const sockets = new Set<Socket>();
  let next = 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  /** Connects to the next instance that accepts, trying each once; undefined when none does. */
  const connectUpstream = async (): Promise<{ socket: Socket; target: string } | undefined> => {
    for (let tried = 0; tried < upstreams.length; tried++) {
      const index = next++ % upstreams.length;
      const { hostname, port } = upstreams[index]!;
      const socket = createConnection(Number(port), hostname);
      const connected = await new Promise<boolean>((resolve) => {
        socket.once('connect', () => resolve(true));
        socket.once('error', () => resolve(false));
      });
      if (connected) return { socket, target: targets[index]! };
      socket.destroy();
    }
    return undefined;
  };

  const server: Server = createServer((client) => {
    track(client);
    client.on('error', () => {});
    client.pause();
    void connectUpstream().then((upstream) => {
      if (!upstream || client.destroyed) {
        upstream?.socket.destroy();
        client.destroy();
        return;
      }
      const { socket } = upstream;
      track(socket);
      connectionsTo[upstream.target]!++;
      socket.on('error', () => {});
      client.pipe(socket);
      socket.pipe(client);
      // either side gone (an instance killed resets its connections): both go
      socket.on('close', () => client.destroy());
      client.on('close', () => socket.destroy());
      client.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connectionsTo,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
