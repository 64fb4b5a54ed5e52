// Rate limiters on rate-limiter-flexible: in process memory by default, in Redis when REDIS_URL
// is set so that all instances count together (with an in-memory fallback while Redis is down).
// A token's document windows have a counter of their own (windowCounter): both windows in one
// Redis script, since every document request counts in both.
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

// Every key this service writes in Redis starts with this.
const REDIS_KEY_PREFIX = 'pogodoc:';

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

// A window counter never refuses: its caller compares the counts with limits of its own.
const UNLIMITED_POINTS = 2 ** 31 - 1;

// The most requests of one key a window counter counts with one increment.
const MAX_COUNTED_TOGETHER = 64;

/** A fixed window of a counter: the prefix of its keys, and its length. */
interface CountingWindow {
  keyPrefix: string;
  seconds: number;
}

// Adds ARGV[1] to every window's key (KEYS), and gives a key without an expiry (a new window) its
// window's length (ARGV[2], ARGV[3], …, in ms); answers each window's count and ms left. One
// script, so that a request is counted in all its windows atomically and in one round trip.
// rate-limiter-flexible's script does the same for one key, and the keys are its own
// (`<prefix>:<key>`), so instances of an older version count together with this one.
const COUNT_IN_WINDOWS = `
local counted = {}
for index, key in ipairs(KEYS) do
  local used = redis.call('INCRBY', key, ARGV[1])
  local left = redis.call('PTTL', key)
  if left < 0 then
    left = tonumber(ARGV[index + 1])
    redis.call('PEXPIRE', key, left)
  end
  counted[2 * index - 1] = used
  counted[2 * index] = left
end
return counted`;

interface CountingRedis {
  countInWindows(keyCount: number, ...keysThenArgs: Array<string | number>): Promise<number[]>;
}

/**
 * Requests of one key that arrive while its count is on its way to Redis are counted together
 * by the next increment, of their number (GroupWhileBusy): a busy token's document requests come
 * in bursts, and each increment is a round trip. Each request still gets its own count, as if
 * they had been counted one after another: the increment is atomic, and the group's counts are
 * the ones below the total it returns, in arrival order. In memory nothing queues: the increment
 * completes at once. While Redis fails, a group is counted in this process's memory instead, as
 * the other limiters' insurance does.
 */
function windowCounter(windows: readonly CountingWindow[], redis: Redis | undefined, connected: Promise<void>): WindowCounter {
  const inMemory = windows.map(({ keyPrefix, seconds }) => new RateLimiterMemory({ keyPrefix, points: UNLIMITED_POINTS, duration: seconds }));
  const countInMemory = (key: string, requests: number) =>
    Promise.all(inMemory.map(async (window) => {
      const counted = await window.consume(key, requests);
      return { used: counted.consumedPoints, msLeft: counted.msBeforeNext };
    }));
  const countInRedis = async (key: string, requests: number) => {
    await connected;
    const keys = windows.map(({ keyPrefix }) => `${REDIS_KEY_PREFIX}${keyPrefix}:${key}`);
    const answer = await (redis as unknown as CountingRedis).countInWindows(keys.length, ...keys, requests, ...windows.map(({ seconds }) => seconds * 1000));
    return windows.map((_, index) => ({ used: Number(answer[2 * index]), msLeft: Number(answer[2 * index + 1]) }));
  };
  const groups = new GroupWhileBusy<string, Array<{ used: number; resetSeconds: number }>>(async (group) => {
    const key = group[0]!.item;
    const counted = redis ? await countInRedis(key, group.length).catch(() => countInMemory(key, group.length)) : await countInMemory(key, group.length);
    group.forEach((waiting, index) =>
      waiting.resolve(counted.map(({ used, msLeft }) => ({ used: used - group.length + 1 + index, resetSeconds: Math.max(0, Math.ceil(msLeft / 1000)) }))),
    );
  }, MAX_COUNTED_TOGETHER);
  return {
    windowsSeconds: windows.map(({ seconds }) => seconds),
    count: (key) => groups.submit(key, key),
  };
}

export interface RateLimiterSet extends RateLimiters {
  close(): Promise<void>;
}

export function createRateLimiters(limits: Limits, redisUrl?: string): RateLimiterSet {
  const redis = redisUrl ? new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  redis?.on('error', () => {}); // reported by the events connection; the limiters fall back to memory
  redis?.defineCommand('countInWindows', { lua: COUNT_IN_WINDOWS });
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
    const options = { keyPrefix: `${REDIS_KEY_PREFIX}${keyPrefix}`, points, duration };
    const memory = new RateLimiterMemory(options);
    return redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory }) : memory;
  };
  const make = (keyPrefix: string, points: number, duration: number, what: string, keyOf?: (key: string) => string) =>
    limiter(store(keyPrefix, points, duration), what, keyOf, connected);
  // per client address: an IPv6 /64 is one client
  const perAddress = (keyPrefix: string, points: number, duration: number, what: string) => make(keyPrefix, points, duration, what, rateLimitKeyOf);
  return {
    signInFailuresPerAccount: make('signin:account', limits.signInFailuresPerAccount, limits.signInFailureWindowSeconds, 'failed sign-ins for this account'),
    signInFailuresPerIp: perAddress('signin:ip', limits.signInFailuresPerIp, limits.signInFailureWindowSeconds, 'failed sign-ins from your address'),
    signUpsPerIp: perAddress('signup:ip', limits.signUpsPerIpPerHour, 60 * 60, 'sign-ups from your address'),
    apiTokenFailuresPerIp: perAddress('token-failures:ip', limits.apiTokenFailuresPerIpPerMinute, 60, 'requests with an invalid API token from your address'),
    documentsPerToken: windowCounter(
      [
        { keyPrefix: 'documents:token:second', seconds: 1 },
        { keyPrefix: 'documents:token:minute', seconds: 60 },
      ],
      redis,
      connected ?? Promise.resolve(),
    ),
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
