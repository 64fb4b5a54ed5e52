// A TCP proxy in front of a test server that loses the answers of its first connections, for the
// SDK's retries: the server did the work, the client never hears of it.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to the server that, for its first `drops` connections, forwards the request and
 * then cuts the client off as the response's first bytes arrive: the server has answered, so it
 * has counted, but the client never hears it.
 */
export async function droppingProxy(target: string, drops: number) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const stats = { connections: 0, dropped: 0 };
  const server: Server = createServer((client) => {
    const drop = stats.connections++ < drops;
    const upstream = createConnection(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.on('data', (chunk) => {
      if (!drop) return void client.write(chunk);
      if (!client.destroyed) stats.dropped++;
      client.destroy();
      upstream.destroy();
    });
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    stats,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
