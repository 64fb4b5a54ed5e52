// Making a token: the form (mode, name, expiry, and under "More options" its scopes, IP allowlist
// and monthly document limit), a summary to review, then the secret, shown once.
//
// The summary's Generate is one generateToken call with all of it, restrictions included, which
// the server makes in one transaction: the token is made with everything asked, or not at all.
// Nothing is sent before the summary: the form checks only what it can itself (the name's length,
// the expiry date, that a limit is a whole number); a refusal of what the summary showed (the name, the expiry, the scopes, the
// allowlist, the limit) takes the person back to the form, with the server's message at the field
// it is about and focus there.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useMutation } from '@urql/preact';
import type { CombinedError } from '@urql/core';
import { graphql } from '../gql';
import type { ErrorCode } from '../gql/error-code';
import type { TokenMode } from '../gql/graphql';
import { describeError, errorCode } from '../error-messages';
import { useCurrentError } from '../connection-context';
import { SecretReveal } from './secret-reveal';
import { DEFAULT_EXPIRY, ExpiryField, expiryProblem, expiryVariables, type ExpiryValue } from './expiry-field';
import { ExpiryStatement } from './token-expiry';
import { DEFAULT_MODE, TokenModeChoice } from './token-mode-display';
import { allowlistEntries, CreateTokenMoreOptions, OPTION_FIELD_IDS, type CreateTokenOptions, type OptionField } from './create-token-options';
import { DEFAULT_SCOPES } from './create-token-scopes';
import { CreateTokenReview } from './create-token-review';

const GenerateTokenMutation = graphql(`
  mutation GenerateToken(
    $name: String!
    $expiresIn: TokenExpiry
    $expiresAt: DateTime
    $scopes: [TokenScope!]
    $mode: TokenMode
    $allowedIps: [String!]
    $monthlyDocumentLimit: Int
  ) {
    generateToken(
      name: $name
      expiresIn: $expiresIn
      expiresAt: $expiresAt
      scopes: $scopes
      mode: $mode
      allowedIps: $allowedIps
      monthlyDocumentLimit: $monthlyDocumentLimit
    ) {
      secret
      token {
        ...TokenRow
        scopes
        allowedIps
        monthlyDocumentLimit
      }
    }
  }
`);

/** Counted as the server counts: Unicode code points after trimming. */
const nameLength = (name: string) => [...name.trim()].length;

type Field = 'name' | 'expiry' | OptionField;

/** The field each refusal is about; any other refusal is the form's. */
const FIELD_OF: Partial<Record<ErrorCode, Field>> = {
  TOKEN_NAME_REQUIRED: 'name',
  TOKEN_NAME_TOO_LONG: 'name',
  TOKEN_NAME_INVALID: 'name',
  TOKEN_EXPIRY_INVALID: 'expiry',
  TOKEN_SCOPES_INVALID: 'scopes',
  API_TOKEN_SCOPE_MISSING: 'scopes',
  TOKEN_IP_ALLOWLIST_INVALID: 'allowedIps',
  TOKEN_MONTHLY_LIMIT_INVALID: 'monthlyLimit',
};

const DEFAULT_OPTIONS: CreateTokenOptions = { scopes: [...DEFAULT_SCOPES], allowedIps: '', monthlyLimit: '' };

/** generateToken's arguments for the restrictions chosen: only those that were. */
function restrictionsOf(options: CreateTokenOptions): { allowedIps?: string[]; monthlyDocumentLimit?: number } {
  const entries = allowlistEntries(options.allowedIps);
  const limit = options.monthlyLimit.trim();
  return { ...(entries.length > 0 ? { allowedIps: entries } : {}), ...(limit !== '' ? { monthlyDocumentLimit: Number(limit) } : {}) };
}

interface Reveal {
  value: string;
  name: string;
  expiresAt: string | null | undefined;
  mode: TokenMode;
}

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
  const [options, setOptions] = useState<CreateTokenOptions>(DEFAULT_OPTIONS);
  const [moreOpen, setMoreOpen] = useState(false);
  /** The summary on screen, and where focus was when it was asked for (Back returns there). */
  const [review, setReview] = useState<{ at: number; returnTo: HTMLElement | null } | null>(null);
  /** The summary's Generate is under way. */
  const [busy, setBusy] = useState(false);
  /** The server's refusal of one field, shown under it until that field changes. */
  const [refusal, setRefusal] = useState<{ field: Field; message: string } | null>(null);
  /** Any other refusal: the form's. */
  const [formError, setFormError] = useState<CombinedError | undefined>(undefined);
  const error = useCurrentError(formError);
  const [secret, setSecret] = useState<Reveal | null>(null);
  const [, generate] = useMutation(GenerateTokenMutation);
  const input = useRef<HTMLInputElement>(null);
  const submitButton = useRef<HTMLButtonElement>(null);
  // where focus goes once the next render is on screen (a hidden form cannot take it before)
  const focusNext = useRef<(() => HTMLElement | null | undefined) | null>(null);
  useLayoutEffect(() => {
    const target = focusNext.current?.();
    focusNext.current = null;
    target?.focus();
  });

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
  const fieldsDisabled = !planActive || atLimit;
  const refusalOf = (field: Field) => (refusal?.field === field ? refusal.message : null);
  const nameRefusal = refusalOf('name');

  const fieldElement = (field: Field): HTMLElement | null => {
    if (field === 'name') return input.current;
    if (field === 'expiry') return document.getElementById(expiry.choice === 'CUSTOM' ? 'token-expiry-date' : 'token-expiry');
    return document.getElementById(OPTION_FIELD_IDS[field]);
  };
  /** Where focus was, if it can still take it; else the form's Generate button. */
  const backTo = (element: HTMLElement | null) =>
    element?.isConnected && !(element as HTMLButtonElement).disabled && element.closest('form.generate') ? element : submitButton.current;

  /**
   * A refusal of what the summary showed: the summary closes (the form is hidden while it stands
   * in for it), and the refusal goes at its field, with focus there, or is the form's, with focus
   * back where it was. Focus moves once the form is on screen again (focusNext).
   */
  const refuse = (error: CombinedError | undefined, returnTo: HTMLElement | null) => {
    setReview(null);
    const code = errorCode(error);
    const field = code ? FIELD_OF[code] : undefined;
    if (field && error) {
      setRefusal({ field, message: describeError(error, rules) });
      if (field !== 'name' && field !== 'expiry') setMoreOpen(true);
      focusNext.current = () => fieldElement(field);
      return;
    }
    setFormError(error);
    focusNext.current = () => {
      const back = backTo(returnTo);
      return back && !(back as HTMLButtonElement).disabled ? back : document.getElementById('generate-error');
    };
  };

  /** The form's Generate: checks what it can, then shows the summary. Nothing is sent yet. */
  const submit = (event: Event) => {
    event.preventDefault();
    if (review || busy) return;
    setTouched(true);
    setExpiryTouched(true);
    if (nameProblem || fieldsDisabled) return;
    if (expiryProblem(expiry)) {
      document.getElementById('token-expiry-date')?.focus();
      return;
    }
    const returnTo = document.activeElement as HTMLElement | null;
    setFormError(undefined);
    setRefusal(null);
    // a limit that is not a whole number never reaches the server: the field says so itself
    const limitField = document.getElementById(OPTION_FIELD_IDS.monthlyLimit) as HTMLInputElement | null;
    const limit = options.monthlyLimit.trim();
    if (limitField?.validity.badInput || (limit !== '' && !/^-?\d+$/.test(limit))) {
      setRefusal({ field: 'monthlyLimit', message: 'Enter a whole number of documents, or leave it empty for no limit of its own.' });
      setMoreOpen(true);
      focusNext.current = () => fieldElement('monthlyLimit');
      return;
    }
    setReview({ at: Date.now(), returnTo });
  };

  const back = () => {
    const returnTo = review?.returnTo ?? null;
    setReview(null);
    focusNext.current = () => backTo(returnTo);
  };

  /** The summary's Generate: the token with all that was chosen, in one call, then its secret. */
  const generateNow = async () => {
    if (!review || busy || fieldsDisabled) return;
    setBusy(true);
    const result = await generate({ name: name.trim(), ...expiryVariables(expiry), mode, scopes: options.scopes, ...restrictionsOf(options) });
    setBusy(false);
    const generated = result.data?.generateToken;
    if (!generated) {
      // nothing was made: back to the form, the refusal at its field
      refuse(result.error, review.returnTo);
      return;
    }
    setSecret({ value: generated.secret, name: generated.token.name, expiresAt: generated.token.expiresAt, mode: generated.token.mode });
    setReview(null);
    setName('');
    setTouched(false);
    // the next token starts from the defaults again, not from this one's "never", "test" or scopes
    setExpiry({ choice: DEFAULT_EXPIRY, date: '' });
    setExpiryTouched(false);
    setMode(DEFAULT_MODE);
    setOptions(DEFAULT_OPTIONS);
    setMoreOpen(false);
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
      {/* hidden, not removed, while the summary stands in for it: Back finds it as it was */}
      <form class="generate" onSubmit={submit} noValidate hidden={Boolean(review)}>
        {/* first, before the name: the name field stays the one the page sends focus to, and Tab
            still goes name, expiry, More options, Generate */}
        <TokenModeChoice value={mode} onChange={setMode} disabled={fieldsDisabled} />
        <label for="token-name">Token name</label>
        <input
          id="token-name"
          ref={input}
          name="name"
          autoComplete="off"
          placeholder="e.g. Production server"
          value={name}
          disabled={fieldsDisabled}
          aria-invalid={(touched && nameProblem) || nameRefusal ? 'true' : 'false'}
          aria-describedby={nameRefusal ? 'token-name-error token-name-hint' : 'token-name-hint'}
          onInput={(e) => {
            setName(e.currentTarget.value);
            setTouched(true);
            if (nameRefusal) setRefusal(null);
          }}
        />
        <p id="token-name-hint" class={touched && nameProblem ? 'error' : 'muted'}>
          {touched && nameProblem ? nameProblem : `${length}/${rules.nameMaxLength} characters`}
        </p>
        {nameRefusal && (
          <p id="token-name-error" class="error field-note" data-testid="token-name-error">
            {nameRefusal}
          </p>
        )}
        <p class="visually-hidden" role="status" data-testid="name-announcement">
          {announced}
        </p>
        <ExpiryField
          value={expiry}
          onChange={(value) => {
            setExpiry(value);
            if (value.choice === 'CUSTOM' && value.date) setExpiryTouched(true);
            if (refusal?.field === 'expiry') setRefusal(null);
          }}
          touched={expiryTouched}
          disabled={fieldsDisabled}
          refusal={refusalOf('expiry')}
        />
        <CreateTokenMoreOptions
          open={moreOpen}
          onToggle={() => setMoreOpen((open) => !open)}
          value={options}
          onChange={(value, field) => {
            setOptions(value);
            if (refusal?.field === field) setRefusal(null);
          }}
          refusal={refusal && refusal.field !== 'name' && refusal.field !== 'expiry' ? { field: refusal.field, message: refusal.message } : null}
          disabled={fieldsDisabled}
        />
        <div class="row">
          <button type="submit" ref={submitButton} disabled={fieldsDisabled}>
            Generate
          </button>
        </div>
        {error && (
          <p class="error" role="alert" id="generate-error" tabIndex={-1} data-testid="generate-error">
            {describeError(error, rules)}
          </p>
        )}
      </form>
      {review && (
        <CreateTokenReview
          name={name.trim()}
          mode={mode}
          expiry={expiry}
          options={options}
          at={review.at}
          busy={busy}
          disabled={fieldsDisabled}
          onBack={back}
          onGenerate={() => void generateNow()}
        />
      )}
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
