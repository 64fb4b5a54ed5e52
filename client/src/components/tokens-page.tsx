import { useQuery, useSubscription } from '@urql/preact';
import { graphql } from '../gql';
import { TokensQuery } from '../urql-client';
import { GenerateToken } from './generate-token';
import { PlanPicker, type PlanOption } from './plan-picker';
import { CurrentPlan } from './current-plan';
import { TokensPausedNotice } from './tokens-paused-notice';
import { TokenTabs } from './token-tabs';
import { UseYourToken } from './use-your-token';

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

export interface Viewer {
  planActive: boolean;
  plan?: PlanOption | null;
  tokensPaused?: { message: string } | null;
}

interface Props {
  viewer: Viewer;
  rules: { nameMaxLength: number; maxActiveTokens: number };
  plans: PlanOption[];
  /** False while the session has expired: the subscription waits for the next sign-in. */
  live: boolean;
}

export function TokensPage({ viewer, rules, plans, live }: Props) {
  const [active] = useQuery({ query: TokensQuery, variables: { status: 'ACTIVE' } });
  useSubscription({ query: DocumentCountSubscription, pause: !viewer.planActive || !live });
  const activeCount = active.data?.tokens.length;

  return (
    <>
      {!viewer.planActive && (
        <PlanPicker plans={plans} current={viewer.plan ?? null} heading={viewer.plan ? 'Choose a plan again' : 'Choose a plan first'} />
      )}
      {viewer.tokensPaused && activeCount !== 0 && <TokensPausedNotice message={viewer.tokensPaused.message} />}
      {viewer.planActive && viewer.plan && (
        <CurrentPlan plan={viewer.plan} plans={plans} activeCount={activeCount} maxActiveTokens={rules.maxActiveTokens} />
      )}
      <GenerateToken rules={rules} activeCount={activeCount} planActive={viewer.planActive} />
      <TokenTabs paused={Boolean(viewer.tokensPaused)} />
      <UseYourToken rules={rules} />
    </>
  );
}
