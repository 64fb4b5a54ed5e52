import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed client operations for the dashboard and the SDK, from the checked-in schema.graphql
// (never from a running server). Output in client/src/gql/ is generated: run `npm run codegen`.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['client/src/**/*.{ts,tsx}', 'client/sdk/**/*.ts', '!client/src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    // The ErrorCode enum of the schema (server/src/domain/error-codes.ts, the one list), as a
    // union type for the dashboard's error handling.
    'client/src/gql/error-code.ts': {
      plugins: ['typescript'],
      config: { onlyEnums: true, enumsAsTypes: true },
    },
    'client/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
      },
    },
  },
};

export default config;
