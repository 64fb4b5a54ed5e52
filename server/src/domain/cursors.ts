// The instant inside a page cursor. Cursors come back from clients, so the text is anyone's: only
// what this service writes into one (Date.toISOString of a year from 1 to 9999) is read back.
// JavaScript parses more ("+010000-…", "-000001-…", year 0), which PostgreSQL's timestamps refuse
// with an error that would surface as an unexpected one instead of a bad cursor.
const ISO_INSTANT = /^(\d{4})-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The instant a cursor carries, or null when the text is not one this service wrote. */
export function cursorInstant(text: unknown): Date | null {
  if (typeof text !== 'string') return null;
  const match = ISO_INSTANT.exec(text);
  if (!match || Number(match[1]) < 1) return null;
  const instant = new Date(text);
  return Number.isNaN(instant.getTime()) || instant.toISOString() !== text ? null : instant;
}
