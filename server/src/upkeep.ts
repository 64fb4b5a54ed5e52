// The service's background work, on every instance, each on a timer of its own. None needs a
// leader: each is idempotent, so instances that overlap find nothing left to do.
// - Every minute, the audit trail: expiry events and the 7-day and 1-day expiry notices (with
//   their token.expiring webhooks; dedupe keys), and the cap of waiting webhook messages.
// - Every hour, the retention prunes (audit events, webhook messages; a DELETE by time).
// - Every WEBHOOK_POLL_MS, webhook delivery (the claim in webhook-store.ts keeps each attempt to one instance).
// - Every MAIL_POLL_MS, mail delivery (likewise, mail-store.ts); every minute the mail cap, every hour its retention.
// - Every hour, old hourly usage rolled up into days (domain/metering.ts), each day in one transaction.
// - Every minute, the request log's expired entries, a bounded batch at a time (domain/request-log.ts).
import type { AppConfig } from './config.js';
import type { Logger } from './observability/logger.js';
import type { Services } from './services.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export interface Upkeep {
  stop(): void;
}

export function startUpkeep(services: Services, config: Pick<AppConfig, 'limits' | 'auditRetentionDays' | 'webhookRetentionDays' | 'webhookPollMs' | 'mailPollMs' | 'mailRetentionDays'>, logger: Logger): Upkeep {
  const every = (intervalMs: number, work: () => Promise<unknown>, what: string) =>
    setInterval(() => void work().catch((error: unknown) => logger.warn({ err: error }, `${what} failed; it runs again later`)), intervalMs).unref();

  let auditRuns = 0;
  const timers = [
    every(
      MINUTE_MS,
      async () => {
        const prune = auditRuns++ % 60 === 0;
        await services.audit.recordExpiredTokens();
        await services.audit.recordExpiringTokens();
        await services.webhooks.giveUpOverCap(config.limits.webhookMaxWaitingPerAccount);
        await services.mailDelivery.giveUpOverCap();
        if (prune) await services.audit.prune(config.auditRetentionDays);
        if (prune) await services.webhooks.prune(config.webhookRetentionDays);
        if (prune) await services.mailDelivery.prune(config.mailRetentionDays);
      },
      'audit upkeep',
    ),
    every(HOUR_MS, () => services.usage.rollUpOldUsage(), 'usage roll-up'),
    // a bounded batch a minute: a busy log's expired rows leave in steps, never one long write
    every(MINUTE_MS, () => services.requestLog.prune(), 'request log prune'),
  ];
  if (config.webhookPollMs > 0) timers.push(every(config.webhookPollMs, () => services.webhookDelivery.deliverDue(), 'webhook delivery'));
  // its own timer and its own run: a slow mail server never holds up webhooks, nor they it
  if (config.mailPollMs > 0) timers.push(every(config.mailPollMs, () => services.mailDelivery.deliverDue(), 'mail delivery'));
  return {
    stop: () => timers.forEach((timer) => clearInterval(timer)),
  };
}
