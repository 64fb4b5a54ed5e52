import { useEffect, useState } from 'preact/hooks';
import { useQuery, useSubscription } from '@urql/preact';
import { PlanPicker } from './plan-picker';
import { graphql } from '../gql';
import type { LiveDocumentCountsSubscription } from '../gql/graphql';
import { DocumentCountSubscription } from './tokens-page';

type LiveUsage = { period: string; used: number } | null;

// The billing period's usage, live: the current usage from the query, then every update that the
// page's one documentCount subscription brings (the same operation, shared by urql: no second
// subscription). The server never sends a lower usage within a period; taking the larger one here
// also covers the query and the subscription answering in either order.
const CurrentPeriodQuery = graphql(`
  query CurrentPeriod {
    viewer {
      id
      currentPeriod {
        period
        used
        quota
        resetsAt
      }
    }
  }
`);

/** When the meter starts warning: at 80% of the quota, and again when it is used up. */
export const PERIOD_WARNING_FRACTION = 0.8;

const resetDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

interface Props {
  plans: Array<{ id: string; name: string; monthlyPriceCents: number }>;
  /** The plan's name: when it changes, the quota is read again and the upgrade offer closes. */
  planName: string | undefined;
}

export function PeriodMeter({ plans, planName }: Props) {
  const [{ data }, reread] = useQuery({ query: CurrentPeriodQuery, requestPolicy: 'cache-and-network' });
  const [upgrading, setUpgrading] = useState(false);
  useEffect(() => {
    setUpgrading(false);
    reread({ requestPolicy: 'network-only' });
  }, [planName]);
  const onUpgrade = () => setUpgrading(true);
  const [live] = useSubscription<LiveDocumentCountsSubscription, LiveUsage>({ query: DocumentCountSubscription }, (latest, update) => {
    const { period, periodDocumentCount } = update.documentCount;
    if (period == null || periodDocumentCount == null) return latest ?? null;
    if (latest && (latest.period > period || (latest.period === period && latest.used >= periodDocumentCount))) return latest;
    return { period, used: periodDocumentCount };
  });
  const current = data?.viewer?.currentPeriod;
  if (!current) return null;
  const used = live.data && live.data.period === current.period ? Math.max(live.data.used, current.used) : current.used;
  const { quota } = current;
  const resets = resetDay.format(new Date(current.resetsAt));
  const fraction = quota ? used / quota : 0;
  const level = quota && used >= quota ? 'full' : quota && fraction >= PERIOD_WARNING_FRACTION ? 'warning' : 'ok';

  return (
    <section class={`card period-meter ${level}`} aria-labelledby="period-title" data-testid="period-meter">
      <h2 id="period-title">This month</h2>
      <p data-testid="period-usage">
        {quota === null ? `${used} documents this month, no monthly limit` : `${used} of ${quota} documents this month, resets ${resets}`}
      </p>
      {quota !== null && <progress max={quota} value={Math.min(used, quota)} aria-label="Documents used this month" />}
      {level === 'warning' && (
        <p class="warning" role="status" data-testid="period-warning">
          You've used {Math.round(fraction * 100)}% of this month's documents. When they run out, new documents are refused until {resets}.
        </p>
      )}
      {level === 'full' && (
        <p class="error" role="alert" data-testid="period-warning">
          You've used all {quota} documents of this month. Your integrations' new documents are refused until {resets}
{' '}— or{' '}
          <button type="button" class="link" onClick={onUpgrade}>
            choose a larger plan
          </button>{' '}
          to continue now.
        </p>
      )}
      {upgrading && <PlanPicker plans={plans} />}
    </section>
  );
}
