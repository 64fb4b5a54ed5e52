import { useState } from 'preact/hooks';
import { useMutation } from '@urql/preact';
import { graphql } from '../gql';
import { describeError } from '../error-messages';
import { useCurrentError } from '../connection-context';
import { ConfirmDialog } from './confirm-dialog';
import { PlanPicker } from './plan-picker';
import { planPrice, planQuota, type PlanOption } from './plan-format';

const CancelPlanMutation = graphql(`
  mutation CancelPlan {
    cancelPlan {
      id
      ...AccountPlanState
    }
  }
`);

interface Props {
  plan: PlanOption;
  plans: PlanOption[];
  activeCount: number | undefined;
  maxActiveTokens: number;
  /** Whether the plan cards are open: the page owns it, so the period meter's upgrade can open them. */
  changing: boolean;
  setChanging(changing: boolean): void;
}

/** The plan in effect, with "Change plan" (the cards) and "Cancel plan" (after a warning). */
export function CurrentPlan({ plan, plans, activeCount, maxActiveTokens, changing, setChanging }: Props) {
  const [cancelling, setCancelling] = useState(false);
  const [state, cancelPlan] = useMutation(CancelPlanMutation);
  const error = useCurrentError(state.error);

  if (changing) {
    return (
      <PlanPicker
        plans={plans}
        current={plan}
        heading="Change plan"
        onDone={() => {
          setChanging(false);
          requestAnimationFrame(() => document.getElementById('change-plan')?.focus());
        }}
      />
    );
  }

  return (
    <section class="card current-plan" aria-labelledby="current-plan-title">
      <h2 id="current-plan-title" class="visually-hidden">
        Your plan
      </h2>
      <p>
        Plan: <strong>{plan.name}</strong> · {planPrice(plan)} · {planQuota(plan)} · {activeCount ?? '…'} of {maxActiveTokens}{' '}
        active tokens
      </p>
      <div class="row">
        <button type="button" id="change-plan" class="secondary" onClick={() => {
            setChanging(true);
            // the button gives way to the cards: focus goes to their heading, not to the page body
            requestAnimationFrame(() => document.getElementById('plan-title')?.focus());
          }}>
          Change plan
        </button>
        <button type="button" class="secondary" onClick={() => setCancelling(true)}>
          Cancel plan
        </button>
      </div>
      {cancelling && (
        <ConfirmDialog
          title={`Cancel the ${plan.name} plan?`}
          confirmLabel="Cancel plan"
          danger
          busy={state.fetching}
          error={error && describeError(error)}
          onConfirm={async () => {
            const result = await cancelPlan({});
            if (!result.error) setCancelling(false);
          }}
          onCancel={() => setCancelling(false)}
          focusAfter={() => document.getElementById('plan-title')?.closest('section')?.querySelector('button')}
        >
          <p class="notice">
            <strong>Your API tokens will stop working.</strong> Every call with them will fail (401 PLAN_REQUIRED) until you
            choose a plan again. They are not deleted: choosing a plan makes them work again.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
