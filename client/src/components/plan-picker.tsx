import { useRef, useState } from 'preact/hooks';
import { useClient, useMutation, useQuery } from '@urql/preact';
import { graphql } from '../gql';
import { describeError } from '../error-messages';
import { useCurrentError } from '../connection-context';
import { CurrentPeriodQuery } from '../urql-client';
import { ConfirmDialog } from './confirm-dialog';
import { planPrice, planQuota, type PlanOption } from './plan-format';
import { lowersQuota, QuotaGuardNotice, quotaRisk } from './quota-guard';

export type { PlanOption } from './plan-format';

const ChoosePlanMutation = graphql(`
  mutation ChoosePlan($planId: ID!) {
    choosePlan(planId: $planId) {
      id
      ...AccountPlanState
    }
  }
`);

interface Props {
  plans: PlanOption[];
  /** The plan held now (or before a cancel); its card says so and is not offered. */
  current: PlanOption | null;
  heading: string;
  /** Shown when changing plan; the prompt for a new account has none. */
  onDone?(): void;
}

/**
 * The plan cards. The free plan is chosen in one click; a paid one asks for confirmation first, and
 * so does any plan whose quota this period's usage has reached or nearly reached (quota-guard.tsx).
 * After a first choice, focus goes to the token name, the next step; after a change, onDone says where.
 */
export function PlanPicker({ plans, current, heading, onDone }: Props) {
  const client = useClient();
  const [state, choosePlan] = useMutation(ChoosePlanMutation);
  const error = useCurrentError(state.error);
  const [confirming, setConfirming] = useState<PlanOption | null>(null);
  // a read of the period under way: clicks meanwhile are ignored, without disabling the card, which
  // would drop its focus (and the dialog gives focus back to the card that opened it)
  const checking = useRef(false);
  // the period the page already holds (the viewer query's, kept live by the document counts);
  // cache-only, so opening the cards sends nothing
  const [{ data: periodData }] = useQuery({ query: CurrentPeriodQuery, requestPolicy: 'cache-only' });
  const period = periodData?.viewer?.currentPeriod;
  const risk = confirming && quotaRisk(period, confirming);

  const select = async (plan: PlanOption) => {
    if (checking.current) return;
    let usage = period;
    if (lowersQuota(plan, current)) {
      // a smaller quota: decide on this period's usage as the server has it now
      checking.current = true;
      const fresh = await client.query(CurrentPeriodQuery, {}, { requestPolicy: 'network-only' }).toPromise();
      checking.current = false;
      usage = fresh.data?.viewer?.currentPeriod ?? usage;
    }
    if (plan.monthlyPriceCents === 0 && !quotaRisk(usage, plan)) void choose(plan);
    else setConfirming(plan);
  };

  const choose = async (plan: PlanOption) => {
    const result = await choosePlan({ planId: plan.id });
    if (result.error) return;
    setConfirming(null);
    if (onDone) onDone();
    else requestAnimationFrame(() => document.getElementById('token-name')?.focus());
  };

  return (
    <section class="card plan-picker" aria-labelledby="plan-title" data-testid="plan-picker">
      <h2 id="plan-title" tabIndex={-1}>{heading}</h2>
      <p>To generate and use API tokens, you need to be subscribed to a plan. This can be the free plan or any of the paid plans.</p>
      <ul class="plans">
        {plans.map((plan) => {
          const isCurrent = plan.id === current?.id && Boolean(onDone);
          return (
            <li key={plan.id}>
              <button
                type="button"
                class="plan"
                disabled={state.fetching || isCurrent}
                aria-describedby={`plan-${plan.id}-details`}
                onClick={() => void select(plan)}
              >
                <strong>{plan.name}</strong>
                <span id={`plan-${plan.id}-details`} class="plan-details">
                  <span>{planPrice(plan)}</span>
                  <span>{planQuota(plan)}</span>
                  {isCurrent && <span>Your plan</span>}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {onDone && (
        <button type="button" class="secondary" onClick={onDone}>
          Keep my plan
        </button>
      )}
      {error && !confirming && (
        <p class="error" role="alert">
          {describeError(error)}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          title={
            confirming.monthlyPriceCents === 0 ? `Switch to ${confirming.name}?` : `Choose ${confirming.name} for ${planPrice(confirming)}?`
          }
          confirmLabel={`Choose ${confirming.name}`}
          danger={risk?.kind === 'over'}
          busy={state.fetching}
          error={error && describeError(error)}
          onConfirm={() => void choose(confirming)}
          onCancel={() => setConfirming(null)}
        >
          {/* read from the live period while open: a document made meanwhile moves it */}
          {risk && <QuotaGuardNotice risk={risk} plan={confirming} />}
          <p>
            {confirming.name}: {planPrice(confirming)}, {planQuota(confirming).toLowerCase()}. It starts at once, and you
            can change or cancel it from this page at any time.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
