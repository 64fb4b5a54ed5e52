// The step between the create form and the secret: what is about to be made, in words, with Back
// and Generate. Nothing is sent from here until Generate; Back (or Escape) returns to the form as
// it was, focus included (generate-token.tsx keeps where it was). Should the server refuse what is
// shown here, the form comes back with its message at the field it is about.
import { useEffect, useRef } from 'preact/hooks';
import type { TokenMode } from '../gql/graphql';
import { allowlistEntries, type CreateTokenOptions } from './create-token-options';
import { inFormOrder, scopeWords } from './create-token-scopes';
import { expiryInWords, type ExpiryValue } from './expiry-field';
import { TokenModeFact } from './token-mode-display';

interface Props {
  name: string;
  mode: TokenMode;
  expiry: ExpiryValue;
  options: CreateTokenOptions;
  /** When the summary was asked for: the expiry in words counts from then. */
  at: number;
  /** Generate was pressed and the server has not answered yet. */
  busy: boolean;
  /** The plan or the token limit stopped generating meanwhile (the form says why). */
  disabled: boolean;
  onBack(): void;
  onGenerate(): void;
}

export function CreateTokenReview({ name, mode, expiry, options, at, busy, disabled, onBack, onGenerate }: Props) {
  const title = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // a screen reader starts at the summary, not at the form it stands in for
    title.current?.focus();
  }, []);
  const entries = allowlistEntries(options.allowedIps);
  const limit = options.monthlyLimit.trim();
  const scopes = inFormOrder(options.scopes);

  return (
    <section
      class="create-token-review"
      aria-labelledby="create-token-review-title"
      data-testid="create-token-review"
      onKeyDown={(event) => {
        if (event.key !== 'Escape' || busy) return;
        event.preventDefault();
        onBack();
      }}
    >
      <h3 id="create-token-review-title" tabIndex={-1} ref={title}>
        Review the new token
      </h3>
      <p class="muted">Nothing is made yet: Generate makes this token and shows its secret, once.</p>
      <dl class="facts">
        <dt>Name</dt>
        <dd data-testid="review-name">{name}</dd>
        <TokenModeFact mode={mode} />
        <dt>Expiry</dt>
        <dd data-testid="review-expiry">{expiryInWords(expiry, at)}</dd>
        <dt>Scopes</dt>
        <dd data-testid="review-scopes">
          <ul class="review-list">
            {scopes.map((scope) => (
              <li key={scope}>
                <code>{scope}</code>: {scopeWords(scope)}
              </li>
            ))}
          </ul>
        </dd>
        <dt>IP allowlist</dt>
        <dd data-testid="review-allowlist">
          {entries.length === 0 ? (
            'Any address'
          ) : (
            <ul class="review-list">
              {entries.map((entry) => (
                <li key={entry}>
                  <code>{entry}</code>
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Monthly limit</dt>
        <dd data-testid="review-limit">
          {limit === '' ? 'None of its own: your plan’s quota applies' : `${Number(limit).toLocaleString()} documents a month`}
        </dd>
      </dl>
      {expiry.choice === 'NEVER' && (
        <p class="notice" data-testid="review-never-warning">
          <strong>This token never expires:</strong> if it leaks, it works until someone deletes it.
        </p>
      )}
      <p class="visually-hidden" role="status">
        {busy ? 'Generating the token…' : ''}
      </p>
      <div class="row end">
        <button type="button" class="secondary" aria-disabled={busy ? 'true' : 'false'} onClick={() => !busy && onBack()}>
          Back
        </button>
        {/* aria-disabled while it works: disabled would drop focus to the page */}
        <button type="button" disabled={disabled} aria-disabled={busy ? 'true' : 'false'} onClick={() => !busy && onGenerate()}>
          Generate
        </button>
      </div>
    </section>
  );
}
