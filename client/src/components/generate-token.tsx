import { useRef, useState } from 'preact/hooks';
import { useMutation } from '@urql/preact';
import { graphql } from '../gql';
import { describeError } from '../error-messages';
import { useCurrentError } from '../connection-context';
import { SecretReveal } from './secret-reveal';
import { DEFAULT_EXPIRY, ExpiryField, expiryProblem, expiryVariables, type ExpiryValue } from './expiry-field';
import { ExpiryStatement } from './token-expiry';
import { DEFAULT_MODE, TokenModeChoice } from './token-mode-display';
import type { TokenMode } from '../gql/graphql';

const GenerateTokenMutation = graphql(`
  mutation GenerateToken($name: String!, $expiresIn: TokenExpiry, $expiresAt: DateTime, $mode: TokenMode) {
    generateToken(name: $name, expiresIn: $expiresIn, expiresAt: $expiresAt, mode: $mode) {
      secret
      token {
        ...TokenRow
      }
    }
  }
`);

/** Counted as the server counts: Unicode code points after trimming. */
const nameLength = (name: string) => [...name.trim()].length;

interface Props {
  rules: { nameMaxLength: number; maxActiveTokens: number };
  activeCount: number | undefined;
  planActive: boolean;
}

export function GenerateToken({ rules, activeCount, planActive }: Props) {
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [expiry, setExpiry] = useState<ExpiryValue>({ choice: DEFAULT_EXPIRY, date: '' });
  const [expiryTouched, setExpiryTouched] = useState(false);
  const [mode, setMode] = useState<TokenMode>(DEFAULT_MODE);
  const [secret, setSecret] = useState<{ value: string; name: string; expiresAt: string | null | undefined; mode: TokenMode } | null>(null);
  const [{ fetching, error: lastError }, generate] = useMutation(GenerateTokenMutation);
  const error = useCurrentError(lastError);
  const input = useRef<HTMLInputElement>(null);

  const length = nameLength(name);
  const problemKind = length === 0 ? 'empty' : length > rules.nameMaxLength ? 'tooLong' : null;
  const nameProblem =
    problemKind === 'empty'
      ? `Enter a descriptive name (1-${rules.nameMaxLength} characters).`
      : problemKind === 'tooLong'
        ? `Maximum length is ${rules.nameMaxLength} characters (this name has ${length}).`
        : null;
  // what a screen reader hears: only when the problem starts or changes kind, not per keystroke
  const announced = !touched
    ? ''
    : problemKind === 'empty'
      ? `The name is empty: enter 1 to ${rules.nameMaxLength} characters.`
      : problemKind === 'tooLong'
        ? `Maximum length is ${rules.nameMaxLength} characters.`
        : '';
  const atLimit = activeCount !== undefined && activeCount >= rules.maxActiveTokens;
  const disabled = !planActive || atLimit || fetching;

  const submit = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    setExpiryTouched(true);
    if (nameProblem || disabled) return;
    if (expiryProblem(expiry)) {
      document.getElementById('token-expiry-date')?.focus();
      return;
    }
    const result = await generate({ name: name.trim(), ...expiryVariables(expiry), mode });
    const generated = result.data?.generateToken;
    if (generated) {
      setSecret({ value: generated.secret, name: generated.token.name, expiresAt: generated.token.expiresAt, mode: generated.token.mode });
      setName('');
      setTouched(false);
      // the next token starts from the defaults again, not from this one's "never" or "test"
      setExpiry({ choice: DEFAULT_EXPIRY, date: '' });
      setMode(DEFAULT_MODE);
      setExpiryTouched(false);
    }
  };

  return (
    <section class="card" aria-labelledby="generate-title">
      <h2 id="generate-title">Generate Tokens</h2>
      {atLimit && (
        <p class="notice" role="status" data-testid="limit-notice">
          You have {rules.maxActiveTokens} active tokens, the most an account can have. Delete a token you no longer use to
          generate a new one; deleted tokens don't count toward the limit.
        </p>
      )}
      <form class="generate" onSubmit={submit} noValidate>
        {/* first, before the name: the name field stays the one the page sends focus to, and Tab
            still goes name, expiry, Generate */}
        <TokenModeChoice value={mode} onChange={setMode} disabled={!planActive || atLimit} />
        <label for="token-name">Token name</label>
        <input
          id="token-name"
          ref={input}
          name="name"
          autoComplete="off"
          placeholder="e.g. Production server"
          value={name}
          disabled={!planActive || atLimit}
          aria-invalid={touched && nameProblem ? 'true' : 'false'}
          aria-describedby="token-name-hint"
          onInput={(e) => {
            setName(e.currentTarget.value);
            setTouched(true);
          }}
        />
        <p id="token-name-hint" class={touched && nameProblem ? 'error' : 'muted'}>
          {touched && nameProblem ? nameProblem : `${length}/${rules.nameMaxLength} characters`}
        </p>
        <p class="visually-hidden" role="status" data-testid="name-announcement">
          {announced}
        </p>
        <ExpiryField
          value={expiry}
          onChange={(value) => {
            setExpiry(value);
            if (value.choice === 'CUSTOM' && value.date) setExpiryTouched(true);
          }}
          touched={expiryTouched}
          disabled={!planActive || atLimit}
        />
        <div class="row">
          <button type="submit" disabled={disabled}>
            Generate
          </button>
        </div>
        {error && (
          <p class="error" role="alert" data-testid="generate-error">
            {describeError(error, rules)}
          </p>
        )}
      </form>
      {secret && <ExpiryStatement expiresAt={secret.expiresAt} />}
      {secret && (
        <SecretReveal
          secret={secret.value}
          name={secret.name}
          mode={secret.mode}
          onDone={() => {
            setSecret(null);
            // back to the name field for the next token; at the limit, to the list that holds the new one
            requestAnimationFrame(() => (input.current?.disabled ? document.getElementById('panel-ACTIVE') : input.current)?.focus());
          }}
        />
      )}
    </section>
  );
}
