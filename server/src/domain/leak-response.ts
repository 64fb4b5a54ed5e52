// What happens when a secret scanner reports one of our tokens found in public: the answer per
// token (true_positive / false_positive, as GitHub's secret scanning partner program asks) and the
// revocation. The HTTP side (signature, body) is http/secret-scanning.ts.
//
// Revocation is a delete, not a roll with no grace period: a roll would make a new secret that is
// shown to nobody (the scanner must not get it), so the token would sit in the Active tab holding
// a slot while no one can use it, and the owner would have to roll again anyway. A delete is the
// state the product already has for "this secret must never work again": set once and never
// cleared, listed in the Deleted tab, answered API_TOKEN_DELETED, and the owner generates a new
// token on purpose. When the reported secret is the previous one of a roll (still in, or past, its
// grace period), only that secret is ended: the current one was never exposed by this report.
import { type AuditActor } from './audit.js';
import { checkSecretShape, hashSecret } from './secrets.js';

/** One match a scanner sends: the token, its type name, the public URL and the kind of place. */
export interface FoundToken {
  token: string;
  type: string;
  url: string;
  source: string;
}

export type LeakLabel = 'true_positive' | 'false_positive';

export interface LeakVerdict {
  /** SHA-256 of the token, hex: the answer names the token this way, never by its raw value. */
  tokenHash: string;
  tokenType: string;
  label: LeakLabel;
}

export type RevokeLeakedResult =
  | { outcome: 'unknown' }
  | { outcome: 'revoked'; tokenId: string; accountId: string; which: 'current' | 'previous'; firstReport: boolean };

export interface LeakStore {
  /**
   * In one transaction: ends the secret with this hash (deletes its token when it is the current
   * secret, ends the grace period when it is the previous one) and records the TOKEN_LEAKED event
   * once per token. A replay finds the token already revoked and the event already there.
   */
  revokeLeaked(secretHash: string, found: Omit<FoundToken, 'token'>, actor: AuditActor, at: Date): Promise<RevokeLeakedResult>;
}

/**
 * Called after a leak was first recorded. The webhook does not need it (its outbox row is written
 * in the revocation's transaction); it is the hook for a live banner, which no live feed carries
 * yet (services.ts passes none, so the dashboard's banner shows on its next query).
 */
export type LeakListener = (leak: Extract<RevokeLeakedResult, { outcome: 'revoked' }>, found: Omit<FoundToken, 'token'>) => void;

export class LeakResponseService {
  constructor(
    private readonly store: LeakStore,
    private readonly now: () => Date = () => new Date(),
    private readonly onLeak: LeakListener = () => {},
  ) {}

  /**
   * A token that is not ours in shape, or is well-formed but was never issued, is a false
   * positive, and the answer says nothing more: not whether the checksum held, nor whether a
   * token with that hash once existed under another account.
   */
  async respond(found: readonly FoundToken[], actor: AuditActor): Promise<LeakVerdict[]> {
    const verdicts: LeakVerdict[] = [];
    for (const match of found) {
      const tokenHash = hashSecret(match.token);
      let label: LeakLabel = 'false_positive';
      if (checkSecretShape(match.token, 'apiToken') === 'valid') {
        const result = await this.store.revokeLeaked(tokenHash, { type: match.type, url: match.url, source: match.source }, actor, this.now());
        if (result.outcome === 'revoked') {
          label = 'true_positive';
          if (result.firstReport) this.onLeak(result, { type: match.type, url: match.url, source: match.source });
        }
      }
      verdicts.push({ tokenHash, tokenType: match.type, label });
    }
    return verdicts;
  }
}
