// npm run dev: the server (restarting on changes) and the dashboard with hot reload.
// Open the URL Vite prints (http://localhost:5173); it proxies /graphql, WebSocket included,
// to the server on PORT (default 4000).
import { spawn } from 'node:child_process';

const port = process.env.PORT ?? '4000';
const children = [
  spawn('npx', ['tsx', 'watch', 'server/src/index.ts'], {
    stdio: 'inherit',
    // To the server, Vite's page is another origin (its proxy rewrites Host, not Origin): allowed
    // here, or the dashboard's WebSocket would be refused as a cross-site one
    // log lines for people (pino-pretty, a dev dependency) unless LOG_FORMAT says otherwise
    env: { ...process.env, LOG_FORMAT: process.env.LOG_FORMAT ?? 'pretty', PORT: port, ALLOWED_ORIGINS: [process.env.ALLOWED_ORIGINS, 'http://localhost:5173', 'http://127.0.0.1:5173'].filter(Boolean).join(',') },
  }),
  spawn('npx', ['vite', '--config', 'client/vite.config.ts'], {
    stdio: 'inherit',
    env: { ...process.env, POGODOC_DEV_API: `http://127.0.0.1:${port}` },
  }),
];
const stopAll = () => children.forEach((child) => child.kill('SIGTERM'));
for (const child of children) child.on('exit', (code) => {
  stopAll();
  process.exitCode = code ?? 0;
});
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
