// Test mode in the page: the choice when a token is made, the "Test" badge in its row, the fact in
// its details and the line beside a new test secret, all in the same words. What test mode is
// (a pgd_test_ secret, watermarked documents, no quota, a small rate limit) is the server's rule
// (the TokenMode enum); the numbers of its rate limit are never restated here: the details show
// the token's own limit as the server answers it (rateLimit, rateLimitCeiling).
import type { TokenMode } from '../gql/graphql';

/** The one line that says what a test token is. */
export const TEST_MODE_EXPLANATION =
  'A test token is for test suites and CI: its secret starts pgd_test_, and its documents are watermarked, use no quota and have a small rate limit.';

const LIVE_MODE_EXPLANATION = 'Makes real documents, counted in your monthly quota.';

const CHOICES: Array<{ value: TokenMode; label: string }> = [
  { value: 'LIVE', label: 'Live' },
  { value: 'TEST', label: 'Test' },
];

export const DEFAULT_MODE: TokenMode = 'LIVE';

interface ChoiceProps {
  value: TokenMode;
  onChange(mode: TokenMode): void;
  disabled: boolean;
}

/**
 * Live or Test, as two radio buttons (one Tab stop; the arrow keys choose), with what test mode
 * means tied to the group. The mode cannot be changed later, not even by a roll: the hint says so.
 */
export function TokenModeChoice({ value, onChange, disabled }: ChoiceProps) {
  return (
    <fieldset class="token-mode" aria-describedby="token-mode-hint" disabled={disabled}>
      <legend>Mode</legend>
      <div class="token-mode-choices">
        {CHOICES.map((choice) => (
          <label key={choice.value} class="checkbox">
            <input
              type="radio"
              name="token-mode"
              value={choice.value}
              checked={value === choice.value}
              onChange={() => onChange(choice.value)}
            />
            {choice.label}
          </label>
        ))}
      </div>
      <p id="token-mode-hint" class="muted" data-testid="token-mode-hint">
        {TEST_MODE_EXPLANATION} The mode never changes, not even when the secret is rolled.
      </p>
    </fieldset>
  );
}

/** " Test" beside a test token's name in its row: a word, not a colour alone. */
export function TokenModeBadge({ mode }: { mode: TokenMode | null | undefined }) {
  if (mode !== 'TEST') return null;
  return (
    <>
      {' '}
      <span class="badge test-mode" data-testid="row-test-mode" title={TEST_MODE_EXPLANATION}>
        Test<span class="visually-hidden">: a test token, its documents are watermarked and use no quota</span>
      </span>
    </>
  );
}

/** The Details fact: the mode and what it means. */
export function TokenModeFact({ mode }: { mode: TokenMode }) {
  return (
    <>
      <dt>Mode</dt>
      <dd data-testid="details-mode">
        {mode === 'TEST' ? `Test. ${TEST_MODE_EXPLANATION}` : `Live. ${LIVE_MODE_EXPLANATION}`}
      </dd>
    </>
  );
}

/** Beside a test token's new secret (when made or rolled): what it is for. */
export function TestSecretNote() {
  return (
    <p class="notice" data-testid="reveal-test-mode">
      <strong>This is a test token:</strong> documents made with it are watermarked and use no quota. Use a live token for
      real documents.
    </p>
  );
}
