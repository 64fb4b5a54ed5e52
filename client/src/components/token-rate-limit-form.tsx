// A token's own rate limit, in its details: the limit its documents are held to now, and a form to
// set it lower than the plan's per second and per minute (empty: the plan's). The range is the
// server's rule: the fields show the ceiling it answers (rateLimitCeiling), and a value outside it
// is refused with TOKEN_RATE_LIMIT_INVALID, whose message (naming the ceiling) is shown under the
// field it is about, tied to it, with focus moved there.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useMutation } from '@urql/preact';
import { graphql } from '../gql';
import type { TokenMode } from '../gql/graphql';
import { describeError, errorCode } from '../error-messages';
import { useCurrentError } from '../connection-context';

const UpdateRateLimitMutation = graphql(`
  mutation UpdateTokenRateLimit($id: ID!, $rateLimitPerSecond: Int, $rateLimitPerMinute: Int) {
    updateToken(id: $id, rateLimitPerSecond: $rateLimitPerSecond, rateLimitPerMinute: $rateLimitPerMinute) {
      id
      rateLimitPerSecond
      rateLimitPerMinute
      rateLimit {
        perSecond
        perMinute
      }
      rateLimitCeiling {
        perSecond
        perMinute
      }
    }
  }
`);

type Window = 'perSecond' | 'perMinute';
interface Policy {
  perSecond: number;
  perMinute: number;
}

export interface TokenRateLimitState {
  id: string;
  mode: TokenMode;
  rateLimitPerSecond?: number | null;
  rateLimitPerMinute?: number | null;
  rateLimit: Policy;
  rateLimitCeiling: Policy;
}

const WINDOWS: Array<{ window: Window; unit: string; label: string; own: 'rateLimitPerSecond' | 'rateLimitPerMinute' }> = [
  { window: 'perMinute', unit: 'minute', label: 'Per minute', own: 'rateLimitPerMinute' },
  { window: 'perSecond', unit: 'second', label: 'Per second', own: 'rateLimitPerSecond' },
];

/** Whose limit applies when the token has none of its own (or one above a plan changed down since). */
const defaultSource = (mode: TokenMode) => (mode === 'TEST' ? "test mode's" : "the plan's");

/**
 * "600 a minute, 250 a second (the plan's)"; "100 a minute (this token's), 250 a second (the
 * plan's)" when they differ. A window counts as the token's own while its own value is the one in
 * force (a plan changed down since can hold it lower).
 */
export function rateLimitInWords(token: TokenRateLimitState): string {
  const parts = WINDOWS.map(({ window, unit, own }) => {
    const value = token.rateLimit[window];
    const mine = token[own] != null && token[own] === value;
    return { words: `${value.toLocaleString()} a ${unit}`, source: mine ? "this token's" : defaultSource(token.mode) };
  });
  if (parts[0]!.source === parts[1]!.source) return `${parts[0]!.words}, ${parts[1]!.words} (${parts[0]!.source})`;
  return parts.map((part) => `${part.words} (${part.source})`).join(', ');
}

/** Which field a TOKEN_RATE_LIMIT_INVALID message is about: it names the window. */
const windowOfMessage = (message: string): Window => (/per second/i.test(message) ? 'perSecond' : 'perMinute');

const fieldId = (window: Window) => `rate-limit-${window === 'perSecond' ? 'second' : 'minute'}`;

export function TokenRateLimitForm({ token }: { token: TokenRateLimitState }) {
  const initial = (own: number | null | undefined) => (own == null ? '' : String(own));
  const [values, setValues] = useState<Record<Window, string>>({
    perSecond: initial(token.rateLimitPerSecond),
    perMinute: initial(token.rateLimitPerMinute),
  });
  const [state, update] = useMutation(UpdateRateLimitMutation);
  const shownError = useCurrentError(state.error);
  // a problem with one field: the server's refusal, or a value that is not a whole number
  const [problem, setProblem] = useState<{ window: Window; message: string } | null>(null);
  const [saved, setSaved] = useState('');
  const fields = useRef<Record<Window, HTMLInputElement | null>>({ perSecond: null, perMinute: null });
  const source = defaultSource(token.mode);

  // a refused field gets focus as its message appears (in the same commit): a screen reader reads
  // the field with the message it is described by; each refusal is a new object, so a second
  // refusal of the same field moves focus there again
  useLayoutEffect(() => {
    if (problem) fields.current[problem.window]?.focus();
  }, [problem]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (state.fetching) return;
    setSaved('');
    setProblem(null);
    for (const { window } of WINDOWS) {
      const input = fields.current[window];
      // a number field holds '' for text it cannot read: that is not "the plan's"
      if (input?.validity.badInput || (values[window].trim() !== '' && !/^-?\d+$/.test(values[window].trim()))) {
        setProblem({ window, message: `Enter a whole number of requests, or leave it empty for ${source} limit.` });
        return;
      }
    }
    const limitOf = (window: Window) => (values[window].trim() === '' ? null : Number(values[window].trim()));
    const result = await update({ id: token.id, rateLimitPerSecond: limitOf('perSecond'), rateLimitPerMinute: limitOf('perMinute') });
    const answer = result.data?.updateToken;
    if (answer) {
      setValues({ perSecond: initial(answer.rateLimitPerSecond), perMinute: initial(answer.rateLimitPerMinute) });
      // focus stays on the button (aria-disabled, never disabled, while it works): the status says what changed
      setSaved(`Rate limit set: ${rateLimitInWords({ ...token, ...answer })}.`);
      return;
    }
    if (errorCode(result.error) === 'TOKEN_RATE_LIMIT_INVALID') {
      const message = result.error!.graphQLErrors[0]!.message;
      const window = windowOfMessage(message);
      setProblem({ window, message });
    }
  };

  // any other refusal (the network, the session, a disabled plan) is the form's, not a field's
  const formError = shownError && errorCode(shownError) !== 'TOKEN_RATE_LIMIT_INVALID' ? describeError(shownError) : null;

  return (
    <form onSubmit={submit} class="stack rate-limit" aria-labelledby="rate-limit-title" noValidate data-testid="rate-limit">
      <h4 id="rate-limit-title">Rate limit</h4>
      <p id="rate-limit-effective" data-testid="rate-limit-effective">
        Now: {rateLimitInWords(token)}.
      </p>
      <p class="muted" id="rate-limit-help">
        Set it lower to keep a batch job or a shared token from using the quota in a burst. Empty: {source} limit.
      </p>
      <div class="rate-limit-fields">
        {WINDOWS.map(({ window, label }) => {
          const id = fieldId(window);
          const ceiling = token.rateLimitCeiling[window];
          const invalid = problem?.window === window;
          return (
            <div key={window} class="rate-limit-field">
              <label for={id}>{label}</label>
              <input
                id={id}
                ref={(element) => {
                  fields.current[window] = element;
                }}
                type="number"
                inputMode="numeric"
                min={1}
                max={ceiling}
                step={1}
                value={values[window]}
                aria-invalid={invalid ? 'true' : 'false'}
                aria-describedby={invalid ? `${id}-error ${id}-hint` : `${id}-hint`}
                onInput={(event) => {
                  const value = event.currentTarget.value;
                  setValues((current) => ({ ...current, [window]: value }));
                }}
              />
              <p id={`${id}-hint`} class="muted field-note" data-testid={`${id}-hint`}>
                1 to {ceiling.toLocaleString()}; empty: {source} {ceiling.toLocaleString()}.
              </p>
              {invalid && (
                <p id={`${id}-error`} class="error field-note" data-testid="rate-limit-error">
                  {problem!.message}
                </p>
              )}
            </div>
          );
        })}
      </div>
      {formError && (
        <p class="error" role="alert">
          {formError}
        </p>
      )}
      <p class="success" role="status" data-testid="rate-limit-saved">
        {saved}
      </p>
      <div class="row end">
        <button type="submit" aria-disabled={state.fetching}>
          Set rate limit
        </button>
      </div>
    </form>
  );
}
