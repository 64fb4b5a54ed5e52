// Only the SchemaBuilder's configuration: plugins, generated Prisma types, context and scalars.
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type PrismaTypes from '../../generated/pothos-prisma-types.js';
import { getDatamodel } from '../../generated/pothos-prisma-types.js';
import type { GraphQLContext } from './context.js';
import { authScopesOf, type AuthScopes } from './authorization.js';

// The generated model types, minus the columns no GraphQL field may ever read. The plugin types
// a prismaObject's parent, its `t.expose*` names and `builder.prismaObjectField` from these, so
// every path from the Account type to passwordHash (or the unsubscribe key) is a compile error.
type AccountModel = PrismaTypes['Account'];
type PublicPrismaTypes = Omit<PrismaTypes, 'Account'> & {
  Account: Omit<AccountModel, 'Shape'> & { Shape: Omit<AccountModel['Shape'], 'passwordHash' | 'mailKey'> };
};

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PublicPrismaTypes;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
}>({
  // Relay: cursor connections for the lists that grow without bound (types/token-connection.ts);
  // no Node interface or node(id) queries, since ids are only ever looked up within an account.
  // Scope auth first, so that its check runs before any other plugin's wrapper (its README).
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  scopeAuth: {
    authScopes: authScopesOf,
    // a subscription is refused when it starts, not at its first event
    authorizeOnSubscribe: true,
  },
  relay: { clientMutationId: 'omit', cursorType: 'String', nodeQueryOptions: false, nodesQueryOptions: false },
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  prisma: {
    // Resolvers call domain services and never this client; the plugin needs it only to
    // load fields that a parent object lacks, which none of our types do.
    client: () => {
      throw new Error('resolvers must go through the domain services');
    },
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
});

// Every root field needs a dashboard session unless it declares otherwise (graphql/authorization.ts):
// a field that declares nothing is refused to every API token.
builder.queryType({ authScopes: { session: true } });
builder.mutationType({ authScopes: { session: true } });
builder.subscriptionType({ authScopes: { session: true } });
