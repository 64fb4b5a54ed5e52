// The period meter: this month's documents against the plan's quota, live. The live subscription
// moves `used` in the cache (urql-client.ts); this component only says what it means.
//
// It warns from 80% and says plainly at 100% that new documents are refused, so the page says it
// before the user's integration finds out, with the upgrade one press away.
import { useClient } from '@urql/preact';
import { useEffect, useState } from 'preact/hooks';
import { CurrentPeriodQuery } from '../urql-client';
import type { PlanOption } from './plan-format';

export interface PeriodUsage {
  period: string;
  used: number;
  quota?: number | null;
  /** The usage from which the server warns (QUOTA_WARNING): the one threshold, not a copy of it. */
  warningAt?: number | null;
  resetsAt: string;
}

/** setTimeout's longest wait; a month is longer, so the wait for the reset is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * "Jan 1": the period is the calendar month in UTC, so its reset is midnight UTC on the 1st, which
 * in a time zone west of UTC is still the evening before. Said in UTC, it is the date the quota
 * page and the API (resetsAt) name.
 */
export const resetDay = (resetsAt: string) =>
  new Date(resetsAt).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

interface Props {
  usage: PeriodUsage;
  /** The plan the warnings offer (Pro for Free), or null when there is none. */
  upgrade: PlanOption | null;
  onUpgrade(): void;
}

export function PeriodMeter({ usage, upgrade, onUpgrade }: Props) {
  useReadAgainAtReset(usage.resetsAt);
  const { used, quota } = usage;
  const resets = resetDay(usage.resetsAt);
  const count = used.toLocaleString();

  if (quota == null) {
    return (
      <section class="card period" aria-labelledby="period-title">
        <h2 id="period-title" class="visually-hidden">
          Documents this month
        </h2>
        <p class="period-usage" data-testid="period-usage">
          {count} documents this month, no limit
        </p>
      </section>
    );
  }

  const share = quota > 0 ? used / quota : 1;
  const reached = used >= quota;
  const summary = `${count} of ${quota.toLocaleString()} documents this month`;
  const level = reached ? 'reached' : usage.warningAt != null && used >= usage.warningAt ? 'warn' : 'ok';
  const upgradeButton = upgrade && (
    <button type="button" class={reached ? undefined : 'secondary'} onClick={onUpgrade}>
      Upgrade to {upgrade.name}
    </button>
  );

  return (
    <section class={`card period period-${level}`} aria-labelledby="period-title">
      <h2 id="period-title" class="visually-hidden">
        Documents this month
      </h2>
      <p class="period-usage" data-testid="period-usage">
        {summary}, resets {resets}
      </p>
      <div
        class="period-bar"
        role="meter"
        aria-label="Documents this month"
        aria-valuemin={0}
        aria-valuemax={quota}
        aria-valuenow={Math.min(used, quota)}
        aria-valuetext={summary}
        data-testid="period-meter"
      >
        <div class="period-fill" style={{ width: `${Math.min(100, share * 100)}%` }} />
      </div>
      {/* always in the page, so that screen readers announce a warning when it appears */}
      <div role="status" data-testid="period-warning" class={level === 'ok' ? 'period-warning-empty' : 'notice period-warning'}>
        {level === 'reached' && (
          <>
            <p>
              <strong>You've reached this month's {quota.toLocaleString()} documents.</strong> New documents are refused until{' '}
              {resets}
              {upgrade ? <> — upgrade to {upgrade.name} to continue now.</> : '.'}
            </p>
            {upgradeButton}
          </>
        )}
        {level === 'warn' && (
          <>
            <p>
              You've used {Math.floor(share * 100)}% of this month's documents. When you reach {quota.toLocaleString()}, new
              documents are refused until {resets}.
            </p>
            {upgradeButton}
          </>
        )}
      </div>
    </section>
  );
}

/**
 * At the reset, reads the period again: the new period starts at 0 without any document to say
 * so. Never sooner than a minute from now, so a server clock ahead of this one cannot make it spin.
 */
function useReadAgainAtReset(resetsAt: string) {
  const client = useClient();
  // a read that brings the same resetsAt (a wait cut to setTimeout's longest) arms the next one
  const [reads, setReads] = useState(0);
  useEffect(() => {
    const wait = Math.min(MAX_TIMER_MS, Math.max(60_000, Date.parse(resetsAt) - Date.now() + 1_000));
    const timer = setTimeout(() => {
      void client
        .query(CurrentPeriodQuery, {}, { requestPolicy: 'network-only' })
        .toPromise()
        .then(() => setReads((value) => value + 1));
    }, wait);
    return () => clearTimeout(timer);
  }, [resetsAt, reads]);
}
