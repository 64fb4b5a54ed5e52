// The import rules of server/src, checked by `npm test` (npm run lint:imports). Layers, from the
// bottom: domain ← persistence ← live, rendering, webhooks, rate-limiting ← graphql,
// observability ← http, websocket ← services.ts, app.ts ← index.ts. A file imports only its own
// layer and the ones below it; config.ts and paths.ts are leaves that every layer may read; no
// import goes round in a circle. The domain imports neither graphql nor Prisma.
const layer = (folders) => `^server/src/(${folders.join('|')})(/|\\.ts$)`;
const ABOVE_DOMAIN = ['persistence', 'live', 'rendering', 'webhooks', 'rate-limiting', 'graphql', 'observability', 'http', 'websocket', 'services', 'app', 'index'];
const ABOVE_PERSISTENCE = ABOVE_DOMAIN.slice(1);
const ABOVE_SERVICES_LAYER = ['graphql', 'observability', 'http', 'websocket', 'services', 'app', 'index'];
const ABOVE_GRAPHQL = ['http', 'websocket', 'services', 'app', 'index'];
const ABOVE_EDGE = ['services', 'app', 'index'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'An import that comes back round to where it started.', from: { path: '^server/src' }, to: { circular: true } },
    {
      name: 'leaves-import-nothing',
      severity: 'error',
      comment: 'config.ts and paths.ts are read by every layer, so they import none of them.',
      from: { path: '^server/src/(config|paths)\\.ts$' },
      to: { path: '^server/src/', pathNot: '^server/src/(config|paths)\\.ts$' },
    },
    {
      name: 'domain-imports-no-framework',
      severity: 'error',
      comment: 'The domain is plain TypeScript: no graphql, no Prisma.',
      from: { path: '^server/src/domain/' },
      to: { path: '(^|/)node_modules/(graphql|graphql-yoga|@pothos|@prisma|prisma)/|^server/generated/' },
    },
    { name: 'domain-is-the-bottom', severity: 'error', from: { path: layer(['domain']) }, to: { path: layer(ABOVE_DOMAIN) } },
    { name: 'persistence-below-services', severity: 'error', from: { path: layer(['persistence']) }, to: { path: layer(ABOVE_PERSISTENCE) } },
    {
      name: 'services-below-graphql',
      severity: 'error',
      comment: 'live, rendering, webhooks and rate-limiting serve the GraphQL layer; they never reach up into it.',
      from: { path: layer(['live', 'rendering', 'webhooks', 'rate-limiting']) },
      to: { path: layer(ABOVE_SERVICES_LAYER) },
    },
    {
      name: 'graphql-calls-services-not-stores',
      severity: 'error',
      comment: 'Resolvers call the domain services; the stores behind them are persistence\'s business.',
      from: { path: layer(['graphql']) },
      to: { path: layer(['persistence', ...ABOVE_GRAPHQL]) },
    },
    { name: 'observability-below-the-edge', severity: 'error', from: { path: layer(['observability']) }, to: { path: layer(ABOVE_GRAPHQL) } },
    { name: 'edge-below-composition', severity: 'error', from: { path: layer(['http', 'websocket']) }, to: { path: layer(ABOVE_EDGE) } },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^server/generated/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
