import { useMutation } from '@urql/preact';
import { graphql } from '../gql';
import { describeError } from '../error-messages';

const ChoosePlanMutation = graphql(`
  mutation ChoosePlan($planId: ID!) {
    choosePlan(planId: $planId) {
      id
      planActive
      plan {
        id
        name
      }
    }
  }
`);

interface PlanOption {
  id: string;
  name: string;
  monthlyPriceCents: number;
}

const price = (cents: number) => (cents === 0 ? 'free' : `$${(cents / 100).toFixed(0)} / month`);

/** The product page: "If you're not currently on a plan, you'll be prompted to choose one before you can create a token." */
export function PlanPicker({ plans }: { plans: PlanOption[] }) {
  const [{ fetching, error }, choosePlan] = useMutation(ChoosePlanMutation);
  return (
    <section class="card plan-picker" aria-labelledby="plan-title">
      <h2 id="plan-title">Choose a plan first</h2>
      <p>To generate and use API tokens, you need to be subscribed to a plan. This can be the free plan or any of the paid plans.</p>
      <div class="plans">
        {plans.map((plan) => (
          <button key={plan.id} type="button" class="plan" disabled={fetching} onClick={() => void choosePlan({ planId: plan.id })}>
            <strong>{plan.name}</strong>
            <span class="muted">{price(plan.monthlyPriceCents)}</span>
          </button>
        ))}
      </div>
      {error && <p class="error" role="alert">{describeError(error)}</p>}
    </section>
  );
}
