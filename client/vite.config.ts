import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';

/**
 * Each hashed asset also as .br and .gz beside it, compressed once at build time at the highest
 * levels (too slow to do per request), for the server to send to browsers that accept them
 * (server/src/app.ts: sirv's brotli and gzip options).
 */
function precompressAssets(): Plugin {
  let outDir = '';
  return {
    name: 'pogodoc-precompress-assets',
    apply: 'build',
    configResolved: (config) => void (outDir = path.resolve(config.root, config.build.outDir)),
    closeBundle() {
      const assets = path.join(outDir, 'assets');
      for (const file of readdirSync(assets)) {
        if (!/\.(js|css|svg)$/.test(file)) continue;
        const content = readFileSync(path.join(assets, file));
        writeFileSync(path.join(assets, `${file}.br`), brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        writeFileSync(path.join(assets, `${file}.gz`), gzipSync(content, { level: 9 }));
      }
    },
  };
}

const apiTarget = process.env.POGODOC_DEV_API ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  plugins: [preact(), precompressAssets()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  // `npm run dev`: the dashboard with hot reload, talking to the local server over the same origin
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: apiTarget, ws: true, changeOrigin: true },
      // the server's CSV export and mail pages, under npm run dev
      '/activity': { target: apiTarget, changeOrigin: true },
      '/dev/mailbox': { target: apiTarget, changeOrigin: true },
    },
  },
});
