import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed client operations for the dashboard and the SDK, from the checked-in schema.graphql
// (never from a running server). Output in client/src/gql/ is generated: run `npm run codegen`.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['client/src/**/*.{ts,tsx}', 'client/sdk/**/*.ts', '!client/src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
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
