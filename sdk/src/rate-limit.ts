// The RateLimit-Policy and RateLimit response headers of the IETF httpapi draft "RateLimit header
// fields for HTTP", as the API sends them on every document answer:
//
//   RateLimit-Policy: "per-second";q=10;w=1, "per-minute";q=600;w=60
//   RateLimit: "per-second";r=9;t=1, "per-minute";r=599;t=42
//
// Each is a structured-field list (RFC 8941): items separated by commas, each a name (a string,
// or a token) with `;key=value` parameters. The parsing is deliberately loose: a header is advice
// for pacing, so a malformed item is skipped rather than the whole header, unknown parameters are
// ignored, and nothing here ever throws: garbage reads as no items.

/** A window of the rate limit: at most `quota` requests per `windowSeconds`. */
export interface RateLimitPolicy {
  name: string;
  /** Requests allowed per window (q). */
  quota: number;
  /** The window's length in seconds (w), when the API says. */
  windowSeconds: number | undefined;
}

/** Where the token stands in one window, as of the answer that carried it. */
export interface RateLimitState {
  name: string;
  /** Requests left in the current window (r). */
  remaining: number;
  /** Seconds until the window starts again (t), when the API says. */
  resetSeconds: number | undefined;
}

export interface RateLimitHeaders {
  policies: RateLimitPolicy[];
  states: RateLimitState[];
}

type BareItem = string | number | boolean;
interface Item {
  name: string;
  params: Map<string, BareItem>;
}

// RFC 8941 §3.3.4: a token starts with ALPHA or "*" and goes on with tchar, ":" or "/"
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/;
const KEY = /^[a-z*][a-z0-9_\-.*]*/;
const NUMBER = /^-?\d{1,15}(\.\d{1,3})?/;
// anything else a parameter may hold (a byte sequence, a boolean, a date): skipped up to the next ";"
const OTHER_VALUE = /^[^;\s]+/;
const OWS = /^[ \t]*/;

/** The list's members, split at the commas outside quoted strings. */
function membersOf(field: string): string[] {
  const members: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < field.length; i++) {
    const char = field[i];
    if (quoted) {
      if (char === '\\') i++;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      members.push(field.slice(start, i));
      start = i + 1;
    }
  }
  members.push(field.slice(start));
  return members;
}

/** A quoted string at the start of `text` (RFC 8941 §4.2.5), and what follows it; undefined when malformed. */
function stringAt(text: string): [string, string] | undefined {
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const char = text[i]!;
    if (char === '"') return [value, text.slice(i + 1)];
    if (char === '\\') {
      const next = text[++i];
      if (next !== '"' && next !== '\\') return undefined;
      value += next;
    } else if (char < ' ' || char > '~') {
      return undefined;
    } else {
      value += char;
    }
  }
  return undefined;
}

function tokenAt(text: string): [string, string] | undefined {
  const token = TOKEN.exec(text);
  return token ? [token[0], text.slice(token[0].length)] : undefined;
}

function bareItemAt(text: string): [BareItem, string] | undefined {
  if (text.startsWith('"')) return stringAt(text);
  const number = NUMBER.exec(text);
  if (number) return [Number(number[0]), text.slice(number[0].length)];
  const token = tokenAt(text);
  if (token) return token;
  const other = OTHER_VALUE.exec(text);
  if (other) return [other[0], text.slice(other[0].length)];
  return undefined;
}

/** One list member: a name (string or token) and its parameters; undefined when malformed. */
function itemOf(member: string): Item | undefined {
  const text = member.trim();
  const name = text.startsWith('"') ? stringAt(text) : tokenAt(text);
  if (!name || name[0] === '') return undefined;
  // RFC 8941 has no space before a ";": taken all the same
  let rest = name[1].replace(OWS, '');
  const params = new Map<string, BareItem>();
  while (rest.startsWith(';')) {
    rest = rest.slice(1).replace(OWS, '');
    const key = KEY.exec(rest);
    if (!key) return undefined;
    rest = rest.slice(key[0].length);
    let value: BareItem = true;
    if (rest.startsWith('=')) {
      const parsed = bareItemAt(rest.slice(1));
      if (!parsed) return undefined;
      [value, rest] = parsed;
    }
    // RFC 8941: a repeated key's last value wins
    params.set(key[0], value);
    rest = rest.replace(OWS, '');
  }
  return rest.trim() === '' ? { name: name[0], params } : undefined;
}

function itemsOf(field: string | null | undefined): Item[] {
  if (typeof field !== 'string') return [];
  const items: Item[] = [];
  for (const member of membersOf(field)) {
    const item = itemOf(member);
    if (item) items.push(item);
  }
  return items;
}

/**
 * A parameter that must be a whole number ≥ `min`: its value, undefined when absent, or null when
 * present but not such a number (the item is then malformed).
 */
function wholeParam(params: Map<string, BareItem>, key: string, min: number): number | undefined | null {
  if (!params.has(key)) return undefined;
  const value = params.get(key);
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min ? value : null;
}

/** The windows of a RateLimit-Policy header; an item without a whole q ≥ 0, or with a w that is not a whole number ≥ 1, is skipped. */
export function parseRateLimitPolicy(field: string | null | undefined): RateLimitPolicy[] {
  const policies: RateLimitPolicy[] = [];
  for (const { name, params } of itemsOf(field)) {
    const quota = wholeParam(params, 'q', 0);
    const windowSeconds = wholeParam(params, 'w', 1);
    if (quota === undefined || quota === null || windowSeconds === null) continue;
    policies.push({ name, quota, windowSeconds });
  }
  return policies;
}

/** The states of a RateLimit header; an item without a whole r ≥ 0, or with a t that is not a whole number ≥ 0, is skipped. */
export function parseRateLimit(field: string | null | undefined): RateLimitState[] {
  const states: RateLimitState[] = [];
  for (const { name, params } of itemsOf(field)) {
    const remaining = wholeParam(params, 'r', 0);
    const resetSeconds = wholeParam(params, 't', 0);
    if (remaining === undefined || remaining === null || resetSeconds === null) continue;
    states.push({ name, remaining, resetSeconds });
  }
  return states;
}

/** Both headers of a response (anything with Headers' get). Never throws. */
export function parseRateLimitHeaders(headers: { get(name: string): string | null }): RateLimitHeaders {
  try {
    return { policies: parseRateLimitPolicy(headers.get('ratelimit-policy')), states: parseRateLimit(headers.get('ratelimit')) };
  } catch {
    return { policies: [], states: [] };
  }
}
