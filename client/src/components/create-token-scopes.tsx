// What a new token may do: the TokenScope enum of the schema, as checkboxes in the create form's
// "More options". The schema holds what each scope allows (its descriptions); the dashboard cannot
// read them at run time (introspection is off in production), so each scope's words here are the
// first sentence of its description, word for word: client/test/create-token.e2e.test.ts compares
// them with schema.graphql, and the Record below fails to compile when the enum gains a value.
import type { TokenScope } from '../gql/graphql';

const SCOPE_WORDS: Record<TokenScope, string> = {
  DOCUMENTS_RENDER: 'Make documents with renderDocument',
  USAGE_READ: 'Read usage and the current billing period',
  TOKENS_READ: 'List and read the account\u2019s tokens (never a secret)',
  TOKENS_WRITE: 'Generate, update, roll and delete tokens, with at most this token\u2019s own scopes',
  WEBHOOKS_WRITE: 'List, create and change webhook endpoints, and read their deliveries',
  AUDIT_READ: 'Read the activity log',
};

/** In the order the form lists them: making documents, what most tokens are for, first. */
export const TOKEN_SCOPES = Object.keys(SCOPE_WORDS) as TokenScope[];

/** generateToken's default, which the form starts from (the schema: "DOCUMENTS_RENDER by default"). */
export const DEFAULT_SCOPES: readonly TokenScope[] = ['DOCUMENTS_RENDER'];

export const scopeWords = (scope: TokenScope) => SCOPE_WORDS[scope];

/** The scopes chosen, in the form's order, whatever order they were ticked in. */
export const inFormOrder = (scopes: readonly TokenScope[]) => TOKEN_SCOPES.filter((scope) => scopes.includes(scope));

export const isDefaultScopes = (scopes: readonly TokenScope[]) =>
  scopes.length === DEFAULT_SCOPES.length && DEFAULT_SCOPES.every((scope) => scopes.includes(scope));

interface Props {
  value: readonly TokenScope[];
  onChange(scopes: TokenScope[]): void;
  /** The server's refusal of the scopes (TOKEN_SCOPES_INVALID, API_TOKEN_SCOPE_MISSING), tied to the group. */
  refusal: string | null;
  disabled: boolean;
}

/**
 * One checkbox a scope, in a group described by what scopes are and, after a refusal, by the
 * server's message. A refusal sends focus to the first box (generate-token.tsx).
 */
export function ScopesField({ value, onChange, refusal, disabled }: Props) {
  return (
    <fieldset
      class="create-token-scopes"
      aria-describedby={refusal ? 'token-scopes-error token-scopes-hint' : 'token-scopes-hint'}
      data-testid="token-scopes"
    >
      <legend>Scopes</legend>
      <p id="token-scopes-hint" class="muted field-note">
        What the token may do with the API. A token that only makes documents needs only the first.
      </p>
      {TOKEN_SCOPES.map((scope, index) => (
        <label key={scope} class="checkbox">
          <input
            type="checkbox"
            name="token-scopes"
            value={scope}
            id={index === 0 ? 'token-scopes-first' : undefined}
            checked={value.includes(scope)}
            disabled={disabled}
            onChange={(event) => {
              const checked = event.currentTarget.checked;
              onChange(inFormOrder(checked ? [...value, scope] : value.filter((one) => one !== scope)));
            }}
          />
          <span>
            {SCOPE_WORDS[scope]} <code>{scope}</code>
          </span>
        </label>
      ))}
      {refusal && (
        <p id="token-scopes-error" class="error field-note" data-testid="token-scopes-error">
          {refusal}
        </p>
      )}
    </fieldset>
  );
}
