import { useRef, useState } from 'preact/hooks';
import { useMutation } from '@urql/preact';
import { graphql } from '../gql';
import { describeError } from '../error-messages';
import { useCurrentError } from '../connection-context';
import { SecretReveal } from './secret-reveal';

const GenerateTokenMutation = graphql(`
  mutation GenerateToken($name: String!) {
    generateToken(name: $name) {
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
  const [secret, setSecret] = useState<{ value: string; name: string } | null>(null);
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
    if (nameProblem || disabled) return;
    const result = await generate({ name: name.trim() });
    const generated = result.data?.generateToken;
    if (generated) {
      setSecret({ value: generated.secret, name: generated.token.name });
      setName('');
      setTouched(false);
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
        <label for="token-name">Token name</label>
        <div class="row">
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
          <button type="submit" disabled={disabled}>
            Generate
          </button>
        </div>
        <p id="token-name-hint" class={touched && nameProblem ? 'error' : 'muted'}>
          {touched && nameProblem ? nameProblem : `${length}/${rules.nameMaxLength} characters`}
        </p>
        <p class="visually-hidden" role="status" data-testid="name-announcement">
          {announced}
        </p>
        {error && (
          <p class="error" role="alert" data-testid="generate-error">
            {describeError(error, rules)}
          </p>
        )}
      </form>
      {secret && (
        <SecretReveal
          secret={secret.value}
          name={secret.name}
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
