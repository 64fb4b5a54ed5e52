import { useQuery, useSubscription } from '@urql/preact';
import { graphql } from '../gql';
import { TokensQuery } from '../urql-client';
import { GenerateToken } from './generate-token';
import { PlanPicker } from './plan-picker';
import { TokenTabs } from './token-tabs';

// One subscription for every active token of the account: the current counts first, then each
// change. Graphcache writes each update into the token it belongs to (see urql-client.ts).
const DocumentCountSubscription = graphql(`
  subscription LiveDocumentCounts {
    documentCount {
      tokenId
      documentCount
      lastUsedAt
    }
  }
`);

interface Props {
  viewer: { planActive: boolean; plan?: { name: string } | null };
  rules: { nameMaxLength: number; maxActiveTokens: number };
  plans: Array<{ id: string; name: string; monthlyPriceCents: number }>;
}

export function TokensPage({ viewer, rules, plans }: Props) {
  const [active] = useQuery({ query: TokensQuery, variables: { status: 'ACTIVE' } });
  useSubscription({ query: DocumentCountSubscription, pause: !viewer.planActive });
  const activeCount = active.data?.tokens.length;

  return (
    <main>
      {!viewer.planActive && <PlanPicker plans={plans} />}
      {viewer.planActive && viewer.plan && (
        <p class="muted">
          Plan: <strong>{viewer.plan.name}</strong> · {activeCount ?? '…'} of {rules.maxActiveTokens} active tokens
        </p>
      )}
      <GenerateToken rules={rules} activeCount={activeCount} planActive={viewer.planActive} />
      <TokenTabs />
    </main>
  );
}
