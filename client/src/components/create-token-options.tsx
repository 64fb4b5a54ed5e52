// The create form's "More options": what most tokens leave as it is, behind a disclosure so that
// the quick path stays name, Generate. All three go to generateToken with the token itself, in one
// call (generate-token.tsx). The rules on them (what an allowlist entry may be, how many, the
// limit's range) are the server's: its refusal is shown under the field it is about, which it
// describes.
import type { TokenScope } from '../gql/graphql';
import { ScopesField } from './create-token-scopes';

export type OptionField = 'scopes' | 'allowedIps' | 'monthlyLimit';

export interface CreateTokenOptions {
  scopes: TokenScope[];
  /** As typed: one entry a line (commas and spaces part entries too). */
  allowedIps: string;
  /** As typed; empty: no limit of its own. */
  monthlyLimit: string;
}

/** The allowlist as generateToken takes it; an empty list: any address. */
export const allowlistEntries = (typed: string) => typed.split(/[\s,]+/).filter(Boolean);

/** The id of the element a refusal of the field sends focus to. */
export const OPTION_FIELD_IDS: Record<OptionField, string> = {
  scopes: 'token-scopes-first',
  allowedIps: 'token-allowed-ips',
  monthlyLimit: 'token-monthly-limit',
};

interface Props {
  open: boolean;
  onToggle(): void;
  value: CreateTokenOptions;
  onChange(value: CreateTokenOptions, field: OptionField): void;
  refusal: { field: OptionField; message: string } | null;
  disabled: boolean;
}

/** Describes the field, and after a refusal the refusal first: read with the field on focus. */
function describedBy(field: OptionField, refusal: Props['refusal']) {
  const id = OPTION_FIELD_IDS[field];
  return refusal?.field === field ? `${id}-error ${id}-hint` : `${id}-hint`;
}

export function CreateTokenMoreOptions({ open, onToggle, value, onChange, refusal, disabled }: Props) {
  const refused = (field: OptionField) => (refusal?.field === field ? refusal.message : null);
  const fieldError = (field: OptionField) =>
    refused(field) && (
      <p id={`${OPTION_FIELD_IDS[field]}-error`} class="error field-note" data-testid={`${OPTION_FIELD_IDS[field]}-error`}>
        {refused(field)}
      </p>
    );

  return (
    <div class="create-token-more">
      <button
        type="button"
        class="secondary disclosure"
        id="create-token-more-toggle"
        aria-expanded={open ? 'true' : 'false'}
        aria-controls="create-token-more"
        aria-describedby="create-token-more-what"
        disabled={disabled}
        onClick={onToggle}
      >
        More options
      </button>
      <span id="create-token-more-what" class="muted create-token-more-what">
        Scopes, IP allowlist, monthly document limit
      </span>
      {/* kept in the page while closed: what was chosen stays chosen, and the summary shows it */}
      <div id="create-token-more" class="create-token-more-fields" hidden={!open}>
        <ScopesField
          value={value.scopes}
          onChange={(scopes) => onChange({ ...value, scopes }, 'scopes')}
          refusal={refused('scopes')}
          disabled={disabled}
        />
        <label for={OPTION_FIELD_IDS.allowedIps}>IP allowlist</label>
        <textarea
          id={OPTION_FIELD_IDS.allowedIps}
          rows={3}
          spellcheck={false}
          autoComplete="off"
          placeholder={'203.0.113.0/24\n2001:db8::/48'}
          value={value.allowedIps}
          disabled={disabled}
          aria-invalid={refused('allowedIps') ? 'true' : 'false'}
          aria-describedby={describedBy('allowedIps', refusal)}
          onInput={(event) => onChange({ ...value, allowedIps: event.currentTarget.value }, 'allowedIps')}
        />
        <p id={`${OPTION_FIELD_IDS.allowedIps}-hint`} class="muted field-note">
          The addresses documents may come from: one IPv4 or IPv6 address or CIDR range a line. Empty: any address.
        </p>
        {fieldError('allowedIps')}
        <label for={OPTION_FIELD_IDS.monthlyLimit}>Monthly document limit</label>
        <input
          id={OPTION_FIELD_IDS.monthlyLimit}
          type="number"
          inputMode="numeric"
          min={1}
          step={1}
          value={value.monthlyLimit}
          disabled={disabled}
          aria-invalid={refused('monthlyLimit') ? 'true' : 'false'}
          aria-describedby={describedBy('monthlyLimit', refusal)}
          onInput={(event) => onChange({ ...value, monthlyLimit: event.currentTarget.value }, 'monthlyLimit')}
        />
        <p id={`${OPTION_FIELD_IDS.monthlyLimit}-hint`} class="muted field-note">
          Documents this token may make in a calendar month (UTC), within your plan’s quota. Empty: no limit of its own.
        </p>
        {fieldError('monthlyLimit')}
      </div>
    </div>
  );
}
