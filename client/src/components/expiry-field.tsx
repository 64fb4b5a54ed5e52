// When a token expires, chosen in the create form (issue #25, D2): 90 days unless changed, the
// presets generateToken takes (TokenExpiry), a year, a date of one's own, or never, which the form
// warns about. generateToken's answer says the exact instant; this only says what was asked for.
// The same choices move a token's expiry later in its Details (changeTokenExpiry, which takes an
// instant only: a preset there counts from the moment it is sent).
import type { TokenExpiry } from '../gql/graphql';
import { formatDateTime } from './relative-time';

const DAY_MS = 24 * 3600_000;
/**
 * generateToken's cap on a date: "up to 365 days ahead" (schema.graphql). "1 year" asks for a
 * minute less, so that a browser clock a little ahead of the server's is not refused.
 */
const MAX_DAYS = 365;
const YEAR_MS = MAX_DAYS * DAY_MS - 60_000;

export type ExpiryChoice = Exclude<TokenExpiry, 'NEVER'> | 'YEAR' | 'CUSTOM' | 'NEVER';
export const DEFAULT_EXPIRY: ExpiryChoice = 'DAYS_90';

const CHOICES: Array<{ value: ExpiryChoice; label: string }> = [
  { value: 'DAYS_7', label: '7 days' },
  { value: 'DAYS_30', label: '30 days' },
  { value: 'DAYS_60', label: '60 days' },
  { value: 'DAYS_90', label: '90 days' },
  { value: 'YEAR', label: '1 year' },
  { value: 'CUSTOM', label: 'Custom date…' },
  { value: 'NEVER', label: 'Never' },
];

/** The preset's days, read from its name (DAYS_30: 30), so the enum stays the one list of them. */
const presetDays = (choice: ExpiryChoice) => Number(/^DAYS_(\d+)$/.exec(choice)?.[1] ?? NaN);

const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const pad = (n: number) => String(n).padStart(2, '0');
/** yyyy-mm-dd of a local day, as <input type="date"> holds it. */
const inputDate = (day: Date) => `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;

/** A custom date means "works through that day", in the browser's time zone: its last millisecond. */
function endOfDay(value: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return match ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59, 999) : null;
}

/** The days a custom date may take: from tomorrow to the last whole day within the cap. */
function customRange(now: number) {
  const today = new Date(now);
  const first = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
  const last = new Date(today.getFullYear(), today.getMonth(), today.getDate() + MAX_DAYS - 1);
  return { min: inputDate(first), max: inputDate(last), minLabel: dateOnly.format(first), maxLabel: dateOnly.format(last) };
}

export interface ExpiryValue {
  choice: ExpiryChoice;
  /** The custom date, yyyy-mm-dd; empty until one is picked. */
  date: string;
}

/** What is wrong with the choice (only a custom date can be), or null. */
export function expiryProblem({ choice, date }: ExpiryValue, now = Date.now()): string | null {
  if (choice !== 'CUSTOM') return null;
  const { min, max, minLabel, maxLabel } = customRange(now);
  if (!endOfDay(date)) return 'Choose a date for the token to expire.';
  if (date < min || date > max) return `Choose a date from ${minLabel} to ${maxLabel}.`;
  return null;
}

/** generateToken's expiry arguments for the choice: a preset by name, or an instant. */
export function expiryVariables({ choice, date }: ExpiryValue, now = Date.now()): { expiresIn?: TokenExpiry; expiresAt?: string } {
  if (choice === 'YEAR') return { expiresAt: new Date(now + YEAR_MS).toISOString() };
  if (choice === 'CUSTOM') return { expiresAt: endOfDay(date)!.toISOString() };
  return { expiresIn: choice };
}

/** changeTokenExpiry's expiresAt for the choice: the instant, counted from `now`; null for never. */
export function expiryInstant(value: ExpiryValue, now = Date.now()): string | null {
  if (value.choice === 'NEVER') return null;
  const { expiresAt } = expiryVariables(value, now);
  return expiresAt ?? new Date(now + presetDays(value.choice) * DAY_MS).toISOString();
}

/** Whole calendar days from today to the day of `at`, in the browser's time zone. */
function calendarDaysUntil(at: Date, now: number): number {
  const day = (of: Date) => new Date(of.getFullYear(), of.getMonth(), of.getDate()).getTime();
  return Math.round((day(at) - day(new Date(now))) / DAY_MS);
}

/**
 * The choice in words, for a summary: "Expires in 90 days, on 3 Mar 2026.", "Expires at the end
 * of 12 Mar 2026 (in 10 days).", "Never expires.". Counted from `now`, as the request will be.
 */
export function expiryInWords(value: ExpiryValue, now = Date.now()): string {
  if (value.choice === 'NEVER') return 'Never expires.';
  if (value.choice === 'CUSTOM') {
    const day = endOfDay(value.date);
    if (!day) return 'Choose a date for the token to expire.';
    const days = calendarDaysUntil(day, now);
    return `Expires at the end of ${dateOnly.format(day)} (in ${days} day${days === 1 ? '' : 's'}).`;
  }
  const label = CHOICES.find((choice) => choice.value === value.choice)!.label;
  const days = value.choice === 'YEAR' ? MAX_DAYS : presetDays(value.choice);
  return `Expires in ${label}, on ${dateOnly.format(new Date(now + days * DAY_MS))}.`;
}

interface Props {
  value: ExpiryValue;
  onChange(value: ExpiryValue): void;
  /** Whether to show a problem yet (after a submit, or once the date was touched). */
  touched: boolean;
  disabled: boolean;
  /** The select's id; the date field, the hint and the warning take it as the start of theirs. */
  id?: string;
  label?: string;
  dateLabel?: string;
  /**
   * The server's refusal of the last choice sent (TOKEN_EXPIRY_INVALID and the like): said in
   * place of the hint, which the field is described by, until the choice changes.
   */
  refusal?: string | null;
}

/** The expiry select, a date field for "Custom date…", and what the choice means, in words. */
export function ExpiryField({ value, onChange, touched, disabled, id = 'token-expiry', label = 'Expiration', dateLabel = 'Expiry date', refusal }: Props) {
  const now = Date.now();
  const problem = (touched ? expiryProblem(value, now) : null) ?? refusal ?? null;
  const ids = { date: `${id}-date`, hint: `${id}-hint`, warning: `${id}-never-expires-warning` };
  const days = value.choice === 'YEAR' ? MAX_DAYS : presetDays(value.choice);
  const custom = value.choice === 'CUSTOM' ? endOfDay(value.date) : null;
  const hint = problem
    ? problem
    : value.choice === 'NEVER'
      ? 'Never expires.'
      : value.choice === 'CUSTOM'
        ? custom && !expiryProblem(value, now)
          ? `Expires on ${formatDateTime(custom.toISOString())}, at the end of that day.`
          : 'Choose the last day the token works.'
        : `Expires on ${dateOnly.format(new Date(now + days * DAY_MS))}.`;
  const describedBy = value.choice === 'NEVER' ? `${ids.hint} ${ids.warning}` : ids.hint;
  const range = customRange(now);

  return (
    <>
      <label for={id}>{label}</label>
      <select
        id={id}
        class="expiry-select"
        value={value.choice}
        disabled={disabled}
        aria-invalid={problem && value.choice !== 'CUSTOM' ? 'true' : 'false'}
        aria-describedby={describedBy}
        onChange={(event) => onChange({ ...value, choice: event.currentTarget.value as ExpiryChoice })}
      >
        {CHOICES.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
      {value.choice === 'CUSTOM' && (
        <>
          <label for={ids.date}>{dateLabel}</label>
          <input
            id={ids.date}
            type="date"
            min={range.min}
            max={range.max}
            value={value.date}
            disabled={disabled}
            aria-invalid={problem ? 'true' : 'false'}
            aria-describedby={ids.hint}
            onInput={(event) => onChange({ ...value, date: event.currentTarget.value })}
          />
        </>
      )}
      <p id={ids.hint} class={problem ? 'error' : 'muted'} data-testid="expiry-hint">
        {hint}
      </p>
      {value.choice === 'NEVER' && (
        <p id={ids.warning} class="notice" data-testid="never-expires-warning">
          <strong>A token that never expires is a risk:</strong> if it leaks, it works for whoever holds it until someone
          notices and deletes it. Choose an expiry unless something else rolls or deletes this token.
        </p>
      )}
    </>
  );
}
