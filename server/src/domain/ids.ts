// The one id generator, for every row the service inserts and every event it records.
import { randomFillSync } from 'node:crypto';

// Rows of one instant (a sign-up and its first sign-in, tokens generated in one millisecond) must
// list in the order they were made, and lists order by (createdAt, id): so ids sort by time, then
// by a per-process sequence, then carry randomness so that instances never collide.
let sequence = 0;

// The randomness comes from a pool filled 1,024 ids at a time, as crypto.randomUUID does:
// one randomBytes(6) per id cost 6% of a document request's CPU (a profile of bench workload 1,
// every request logged with a new id).
const RANDOM_BYTES_PER_ID = 6;
const pool = Buffer.alloc(RANDOM_BYTES_PER_ID * 1024);
let poolOffset = pool.length;

function randomHex(): string {
  if (poolOffset + RANDOM_BYTES_PER_ID > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += RANDOM_BYTES_PER_ID;
  return pool.toString('hex', poolOffset - RANDOM_BYTES_PER_ID, poolOffset);
}

/** A new id: 25 characters of [0-9a-f] and base 36, sorting in the order of `at`. */
export function newId(at: Date = new Date()): string {
  sequence = (sequence + 1) % 36 ** 4;
  return `${at.getTime().toString(36).padStart(9, '0')}${sequence.toString(36).padStart(4, '0')}${randomHex()}`;
}
