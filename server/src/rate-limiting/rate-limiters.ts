// Rate limiters on rate-limiter-flexible: in process memory by default, in Redis when REDIS_URL
// is set so that all instances count together (with an in-memory fallback while Redis is down).
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Limits } from '../config.js';
import { RateLimitedError } from '../domain/errors.js';
import { GroupWhileBusy } from '../domain/group-while-busy.js';
import type { RateLimiter, RateLimiters, WindowCounter } from '../domain/rate-limits.js';
import { REVOKED_TOKEN_EVENTS_PER_TOKEN_PER_HOUR } from '../domain/audit.js';
import { rateLimitKeyOf } from '../domain/rate-limits.js';
import { WEBHOOK_REQUESTS_PER_ACCOUNT_PER_HOUR } from '../domain/webhooks.js';
import { MAIL_LINKS_PER_PERSON_PER_HOUR, PASSWORD_RESET_MAILS_PER_PERSON_PER_HOUR, PASSWORD_RESETS_PER_IP_PER_HOUR } from '../domain/mail.js';

// How long the first use of a limiter waits for Redis to connect, when it is not refusing outright.
const FIRST_CONNECTION_WAIT_MS = 2000;

function limiter(
  abstract: RateLimiterAbstract,
  what: string,
  keyOf: (key: string) => string = (key) => key,
  connected: Promise<void> = Promise.resolve(),
): RateLimiter {
  const refuse = (res: RateLimiterRes) => new RateLimitedError(Math.max(1, Math.ceil(res.msBeforeNext / 1000)), what);
  return {
    // consume is one atomic increment, in memory and in Redis (a Lua script): of N concurrent
    // calls, exactly `points` succeed
    async consume(key) {
      await connected;
      try {
        await abstract.consume(keyOf(key));
      } catch (error) {
        if (error instanceof RateLimiterRes) throw refuse(error);
        throw error;
      }
    },
    async refund(key) {
      await connected;
      // If the window ended between consume and refund, this opens the next one a point up:
      // at most one extra attempt, only at a window's edge.
      await abstract.reward(keyOf(key), 1);
    },
    async reset(key) {
      await connected;
      await abstract.delete(keyOf(key));
    },
  };
}

// A window counter never refuses: its caller compares the count with a limit of its own.
const UNLIMITED_POINTS = 2 ** 31 - 1;

// The most requests of one key a window counter counts with one increment.
const MAX_COUNTED_TOGETHER = 64;

/**
 * Requests of one key that arrive while its count is on its way to Redis are counted together
 * by the next increment, of their number (GroupWhileBusy): a busy token's document requests come
 * in bursts, and each increment is a round trip. Each request still gets its own count, as if
 * they had been counted one after another: the increment is atomic, and the group's counts are
 * the ones below the total it returns, in arrival order. In memory nothing queues: the increment
 * completes at once.
 */
function windowCounter(abstract: RateLimiterAbstract, connected: Promise<void>): WindowCounter {
  const groups = new GroupWhileBusy<string, { used: number; resetSeconds: number }>(async (group) => {
    await connected;
    const counted = await abstract.consume(group[0]!.item, group.length);
    const resetSeconds = Math.max(0, Math.ceil(counted.msBeforeNext / 1000));
    group.forEach((waiting, index) => waiting.resolve({ used: counted.consumedPoints - group.length + 1 + index, resetSeconds }));
  }, MAX_COUNTED_TOGETHER);
  return {
    windowSeconds: abstract.duration,
    count: (key) => groups.submit(key, key),
  };
}

export interface RateLimiterSet extends RateLimiters {
  close(): Promise<void>;
}

export function createRateLimiters(limits: Limits, redisUrl?: string): RateLimiterSet {
  const redis = redisUrl ? new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  redis?.on('error', () => {}); // reported by the events connection; the limiters fall back to memory
  // Without the offline queue, a command sent while the first connection is still being made
  // fails at once and is counted by the in-memory fallback instead, apart from Redis: every
  // instance's first requests would get an allowance of their own. So the first use waits for the
  // connection (or its first error, or a short timeout); afterwards this is a settled promise.
  const connected = redis
    ? new Promise<void>((resolve) => {
        const settle = () => {
          clearTimeout(timer);
          for (const event of ['ready', 'error', 'end']) redis.off(event, settle);
          resolve();
        };
        const timer = setTimeout(settle, FIRST_CONNECTION_WAIT_MS).unref();
        for (const event of ['ready', 'error', 'end']) redis.once(event, settle);
      })
    : undefined;
  const store = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
    const options = { keyPrefix: `pogodoc:${keyPrefix}`, points, duration };
    const memory = new RateLimiterMemory(options);
    return redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory }) : memory;
  };
  const make = (keyPrefix: string, points: number, duration: number, what: string, keyOf?: (key: string) => string) =>
    limiter(store(keyPrefix, points, duration), what, keyOf, connected);
  const counter = (keyPrefix: string, duration: number) => windowCounter(store(keyPrefix, UNLIMITED_POINTS, duration), connected ?? Promise.resolve());
  // per client address: an IPv6 /64 is one client
  const perAddress = (keyPrefix: string, points: number, duration: number, what: string) => make(keyPrefix, points, duration, what, rateLimitKeyOf);
  return {
    signInFailuresPerAccount: make('signin:account', limits.signInFailuresPerAccount, limits.signInFailureWindowSeconds, 'failed sign-ins for this account'),
    signInFailuresPerIp: perAddress('signin:ip', limits.signInFailuresPerIp, limits.signInFailureWindowSeconds, 'failed sign-ins from your address'),
    signUpsPerIp: perAddress('signup:ip', limits.signUpsPerIpPerHour, 60 * 60, 'sign-ups from your address'),
    apiTokenFailuresPerIp: perAddress('token-failures:ip', limits.apiTokenFailuresPerIpPerMinute, 60, 'requests with an invalid API token from your address'),
    documentsPerTokenPerSecond: counter('documents:token:second', 1),
    documentsPerTokenPerMinute: counter('documents:token:minute', 60),
    tokenMutationsPerAccount: make('token-mutations:account', limits.tokenMutationsPerAccountPerMinute, 60, 'token changes (generate, roll, update, delete) in this account'),
    webhookRequestsPerAccount: make('webhooks:account', WEBHOOK_REQUESTS_PER_ACCOUNT_PER_HOUR, 60 * 60, 'webhook endpoints created and messages retried in this account'),
    mailLinksPerPerson: make('mail-links:person', MAIL_LINKS_PER_PERSON_PER_HOUR, 60 * 60, 'verification e-mails and address changes for your account'),
    passwordResetsPerIp: perAddress('password-resets:ip', PASSWORD_RESETS_PER_IP_PER_HOUR, 60 * 60, 'password reset requests from your address'),
    passwordResetsPerAddress: make('password-resets:person', PASSWORD_RESET_MAILS_PER_PERSON_PER_HOUR, 60 * 60, 'password reset e-mails to this address'),
    revokedTokenEventsPerToken: make('revoked-events:token', REVOKED_TOKEN_EVENTS_PER_TOKEN_PER_HOUR, 60 * 60, 'audit events for this revoked token'),
    async close() {
      redis?.disconnect();
    },
  };
}
