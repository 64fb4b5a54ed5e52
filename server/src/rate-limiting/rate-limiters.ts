// Rate limiters on rate-limiter-flexible: in process memory by default, in Redis when REDIS_URL
// is set so that all instances count together (with an in-memory fallback while Redis is down).
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Limits } from '../config.js';
import { RateLimitedError } from '../domain/errors.js';
import type { RateLimiter, RateLimiters } from '../domain/rate-limits.js';

function limiter(abstract: RateLimiterAbstract, what: string): RateLimiter {
  const refuse = (res: RateLimiterRes) => new RateLimitedError(Math.max(1, Math.ceil(res.msBeforeNext / 1000)), what);
  return {
    async consume(key) {
      try {
        await abstract.consume(key);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw refuse(error);
        throw error;
      }
    },
    async check(key) {
      const res = await abstract.get(key);
      if (res && res.remainingPoints <= 0 && res.consumedPoints >= abstract.points) throw refuse(res);
    },
    async reset(key) {
      await abstract.delete(key);
    },
  };
}

export interface RateLimiterSet extends RateLimiters {
  close(): Promise<void>;
}

export function createRateLimiters(limits: Limits, redisUrl?: string): RateLimiterSet {
  const redis = redisUrl ? new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  redis?.on('error', () => {}); // reported by the events connection; the limiters fall back to memory
  const make = (keyPrefix: string, points: number, duration: number, what: string) => {
    const options = { keyPrefix: `pogodoc:${keyPrefix}`, points, duration };
    const memory = new RateLimiterMemory(options);
    return limiter(redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory }) : memory, what);
  };
  return {
    signInFailuresPerAccount: make('signin:account', limits.signInFailuresPerAccount, limits.signInFailureWindowSeconds, 'failed sign-ins for this account'),
    signInFailuresPerIp: make('signin:ip', limits.signInFailuresPerIp, limits.signInFailureWindowSeconds, 'failed sign-ins from your address'),
    apiTokenFailuresPerIp: make('token-failures:ip', limits.apiTokenFailuresPerIpPerMinute, 60, 'requests with an invalid API token from your address'),
    documentsPerToken: make('documents:token', limits.documentsPerTokenPerMinute, 60, 'document requests with this API token'),
    async close() {
      redis?.disconnect();
    },
  };
}
