import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed client operations from the checked-in schema.graphql (never from a running server), for
// two consumers: the dashboard and the SDK package. Each target reads its own documents, and
// its output is generated: run `npm run codegen`; `npm run codegen:check` fails when it is stale.
const scalars = { DateTime: 'string', JSON: 'unknown' };

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: false,
  generates: {
    // The ErrorCode enum of the schema (server/src/domain/error-codes.ts, the one list), as a
    // union type for the dashboard's error handling.
    'client/src/gql/error-code.ts': {
      plugins: ['typescript'],
      config: { onlyEnums: true, enumsAsTypes: true },
    },
    'sdk/src/generated/error-code.ts': {
      plugins: ['typescript'],
      config: { onlyEnums: true, enumsAsTypes: true },
    },
    // the dashboard: urql's typed documents through the client preset's graphql()
    'client/src/gql/': {
      documents: ['client/src/**/*.{ts,tsx}', '!client/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { scalars, enumsAsTypes: true, useTypeImports: true, strictScalars: true },
    },
    // the SDK (sdk/): types only. Its documents are /* GraphQL */ strings, so the published
    // package imports nothing at run time, and its declarations no other package.
    'sdk/src/generated/operations.ts': {
      documents: ['sdk/src/**/*.ts', '!sdk/src/generated/**'],
      plugins: ['typescript-operations'],
      config: { scalars, enumsAsTypes: true, useTypeImports: true, strictScalars: true },
    },
  },
};

export default config;
