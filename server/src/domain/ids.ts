// The one id generator, for every row the service inserts and every event it records.
import { randomBytes } from 'node:crypto';

// Rows of one instant (a sign-up and its first sign-in, tokens generated in one millisecond) must
// list in the order they were made, and lists order by (createdAt, id): so ids sort by time, then
// by a per-process sequence, then carry randomness so that instances never collide.
let sequence = 0;

/** A new id: 25 characters of [0-9a-f] and base 36, sorting in the order of `at`. */
export function newId(at: Date = new Date()): string {
  sequence = (sequence + 1) % 36 ** 4;
  return `${at.getTime().toString(36).padStart(9, '0')}${sequence.toString(36).padStart(4, '0')}${randomBytes(6).toString('hex')}`;
}
