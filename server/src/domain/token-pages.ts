// Pages of a token tab (ACTIVE, DELETED, EXPIRED): cursor connections, so that a tab that grows
// without bound (the Deleted tab of an account that deleted 5,000 tokens) is read a page at a time.
//
// The cursor is the position in the tab's order: its sort instant and the token id that breaks
// ties. A page is "the tokens after this position", not "skip N", so a token deleted or expired
// while someone pages sorts before every cursor (it is the newest) and never shifts, repeats or
// hides a token of a later page.
import { cursorInstant } from './cursors.js';
import { DomainError } from './errors.js';
import type { ApiTokenRecord, TokenStatus } from './ports.js';

export const TOKEN_PAGE_DEFAULT = 20;
export const TOKEN_PAGE_MAX = 100;

/**
 * The most a plain `tokens` list answers: its newest TOKEN_LIST_MAX tokens. The list is kept (the
 * SDK, scripts and the curl examples of docs/api.md read it) rather than deprecated, because for ACTIVE it is
 * already bounded by the 10-active rule and for most accounts DELETED is short; capped, it can no
 * longer answer 5,000 rows. The whole of a longer tab is read a page at a time, with tokenConnection.
 */
export const TOKEN_LIST_MAX = 100;

/** Where a page starts: after the token with this sort instant and id. */
export interface TokenPosition {
  at: Date;
  id: string;
}

/** The instant a tab sorts its tokens by, newest first: the order the store's statements use. */
export function sortInstantOf(status: TokenStatus, token: ApiTokenRecord): Date {
  if (status === 'ACTIVE') return token.createdAt;
  if (status === 'EXPIRED') return token.expiresAt!;
  return (token.deletedAt ?? token.expiresAt)!;
}

const invalidCursor = () => new DomainError('BAD_USER_INPUT', 'The cursor is not one this list gave out; start again without "after".');

export function encodeTokenCursor(position: TokenPosition): string {
  return Buffer.from(JSON.stringify([position.at.toISOString(), position.id])).toString('base64url');
}

export function decodeTokenCursor(cursor: string): TokenPosition {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const instant = cursorInstant(at);
    if (typeof id !== 'string' || !instant) throw invalidCursor();
    return { at: instant, id };
  } catch {
    throw invalidCursor();
  }
}

/** Checks a page size: 1 to TOKEN_PAGE_MAX, TOKEN_PAGE_DEFAULT when not given. */
export function checkPageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return TOKEN_PAGE_DEFAULT;
  if (!Number.isInteger(first) || first < 1 || first > TOKEN_PAGE_MAX) {
    throw new DomainError('BAD_USER_INPUT', `"first" must be between 1 and ${TOKEN_PAGE_MAX}; it was ${first}.`);
  }
  return first;
}

export interface TokenPage {
  tokens: ApiTokenRecord[];
  hasNextPage: boolean;
}

/** Reads one page of a tab: at most `size` tokens after `after`, newest first. */
export interface TokenPageStore {
  page(accountId: string, status: TokenStatus, now: Date, size: number, after: TokenPosition | undefined): Promise<TokenPage>;
  /** How many tokens the tab holds. */
  count(accountId: string, status: TokenStatus, now: Date): Promise<number>;
}

export class TokenPagesService {
  constructor(
    private readonly store: TokenPageStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A page of the tab after the cursor (from the start without one); BAD_USER_INPUT for a bad size or cursor. */
  page(accountId: string, status: TokenStatus, first: number | null | undefined, after: string | null | undefined): Promise<TokenPage> {
    const size = checkPageSize(first);
    const position = after === null || after === undefined ? undefined : decodeTokenCursor(after);
    return this.store.page(accountId, status, this.now(), size, position);
  }

  count(accountId: string, status: TokenStatus): Promise<number> {
    return this.store.count(accountId, status, this.now());
  }

  cursorOf(status: TokenStatus, token: ApiTokenRecord): string {
    return encodeTokenCursor({ at: sortInstantOf(status, token), id: token.id });
  }
}
