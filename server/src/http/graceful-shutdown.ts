// Graceful shutdown of the HTTP server: stop accepting connections, close the idle ones, close
// WebSockets (1012: clients reconnect, to another instance if there is one), and let in-flight
// requests finish, for at most `timeoutMs`; then every connection still open is closed.
import type { Server } from 'node:http';

export async function closeHttpServer(server: Server, closeWebSockets: () => Promise<void>, timeoutMs: number): Promise<void> {
  const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closeWebSockets();
  let deadline: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    deadline = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, timeoutMs);
  });
  await Promise.race([httpClosed, timedOut]);
  clearTimeout(deadline);
}
