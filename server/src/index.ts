import { buildApp } from './app.js';
import { configFromEnv } from './config.js';

const config = configFromEnv();
const app = await buildApp(config);
const url = await app.start();
console.log(`Pogodoc API tokens service on ${url}`);
console.log(`  GraphQL and graphql-ws: ${url}/graphql${config.graphiql ? ' (GraphiQL in a browser)' : ''}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.stop().then(() => process.exit(0));
  });
}
