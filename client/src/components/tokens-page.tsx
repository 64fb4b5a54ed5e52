import { useState } from 'preact/hooks';
import { useQuery, useSubscription } from '@urql/preact';
import { graphql } from '../gql';
import { TokensQuery } from '../urql-client';
import { GenerateToken } from './generate-token';
import { useLiveTokenLists } from './live-token-lists';
import { PlanPicker, type PlanOption } from './plan-picker';
import { CurrentPlan } from './current-plan';
import { PeriodMeter, type PeriodUsage } from './period-meter';
import { upgradeFrom } from './plan-format';
import { TokensPausedNotice } from './tokens-paused-notice';
import { TokenTabs } from './token-tabs';
import { UseYourToken } from './use-your-token';

// One subscription for every active token of the account: the current counts first, then each
// change. Graphcache writes each update into the token it belongs to, and the account's period
// usage it carries into the period meter (see urql-client.ts).
const DocumentCountSubscription = graphql(`
  subscription LiveDocumentCounts {
    documentCount {
      tokenId
      documentCount
      lastUsedAt
      period
      periodDocumentCount
    }
  }
`);

export interface Viewer {
  planActive: boolean;
  plan?: PlanOption | null;
  tokensPaused?: { message: string } | null;
  currentPeriod?: PeriodUsage | null;
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
  // tokens changed elsewhere (another tab, a script, the expiry sweep) move here too; with or
  // without a plan, as a token can be deleted without one
  useLiveTokenLists({ active: active.data?.tokens, pause: !live });
  const activeCount = active.data?.tokens.length;
  const [changingPlan, setChangingPlan] = useState(false);
  const upgrade = viewer.plan ? upgradeFrom(plans, viewer.plan) : null;
  const openUpgrade = () => {
    setChangingPlan(true);
    // straight to the plan the meter offers: one more press chooses it (after its confirmation)
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`[aria-describedby="plan-${upgrade?.id}-details"]`)?.focus());
  };

  return (
    <>
      {!viewer.planActive && (
        <PlanPicker plans={plans} current={viewer.plan ?? null} heading={viewer.plan ? 'Choose a plan again' : 'Choose a plan first'} />
      )}
      {viewer.tokensPaused && activeCount !== 0 && <TokensPausedNotice message={viewer.tokensPaused.message} />}
      {viewer.planActive && viewer.plan && (
        <CurrentPlan
          plan={viewer.plan}
          plans={plans}
          activeCount={activeCount}
          maxActiveTokens={rules.maxActiveTokens}
          changing={changingPlan}
          setChanging={setChangingPlan}
        />
      )}
      {viewer.planActive && viewer.currentPeriod && (
        <PeriodMeter usage={viewer.currentPeriod} upgrade={upgrade} onUpgrade={openUpgrade} />
      )}
      <GenerateToken rules={rules} activeCount={activeCount} planActive={viewer.planActive} />
      <TokenTabs paused={Boolean(viewer.tokensPaused)} />
      <UseYourToken rules={rules} />
    </>
  );
}
