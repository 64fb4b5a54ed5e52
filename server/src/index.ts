import { buildApp } from './app.js';
import { configFromEnv } from './config.js';

const config = configFromEnv();
const app = await buildApp(config);
const url = await app.start();
// Where the service listens is written at every LOG_LEVEL, silent included: supervisors, the
// test harness and the benchmark wait for this line.
app.logger.child({}, { level: 'info' }).info(
  { url, graphql: `${url}/graphql`, graphiql: config.graphiql, metrics: app.metricsUrl() ? `${app.metricsUrl()}/metrics` : config.metrics ? `${url}/metrics` : undefined },
  `Pogodoc API tokens service on ${url}`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.stop().then(() => process.exit(0));
  });
}
