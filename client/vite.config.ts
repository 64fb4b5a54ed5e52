import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const apiTarget = process.env.POGODOC_DEV_API ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  // `npm run dev`: the dashboard with hot reload, talking to the local server over the same origin
  server: {
    port: 5173,
    proxy: { '/graphql': { target: apiTarget, ws: true, changeOrigin: true } },
  },
});
