// What an audit event says, in words: "ana@example.com deleted the token “Nightly export” from
// 203.0.113.7". The Activity view shows these sentences; the raw facts (the type's code, the actor,
// the JSON details) stay behind a disclosure and in the server's CSV export. Every event type has
// an entry in each record below, typed against the schema's enum: a type added to the schema fails
// the type check here until it has a label and a sentence.
import type { AuditActorType, AuditEventType, TeamRole } from './gql/graphql';

/** The facts of an event a sentence is made of (a subset of the AuditEvent type). */
export interface SentenceEvent {
  type: AuditEventType;
  actorType: AuditActorType;
  actorEmail?: string | null;
  actorId?: string | null;
  tokenId?: string | null;
  token?: { id: string; name: string } | null;
  clientAddress?: string | null;
  details?: string | null;
  createdAt: string;
}

/** What the page knows beside the event: names for the ids an event carries. */
export interface SentenceContext {
  /** The team the page works in, as a sentence's subject: its name, or "Your account" for the personal team. */
  teamLabel: string;
  /** A plan's name from its id ("pro" → "Pro"). */
  planName(id: string): string;
  /** A token's name from its id, for a token that acted on another one; null when the page does not know it. */
  tokenName(id: string): string | null;
  now?: Date;
}

/** The event filter's words for each type ("Token deleted"), also the disclosure's summary. */
export const EVENT_LABELS: Record<AuditEventType, string> = {
  SIGN_UP: 'Signed up',
  SIGN_IN_SUCCEEDED: 'Signed in',
  SIGN_IN_FAILED: 'Sign-in failed',
  SIGN_OUT: 'Signed out',
  SESSION_EXPIRED: 'Expired session used',
  SESSION_REVOKED: 'Session signed out',
  TWO_FACTOR_ENABLED: 'Two-factor turned on',
  TWO_FACTOR_DISABLED: 'Two-factor turned off',
  RECOVERY_CODE_USED: 'Recovery code used',
  EMAIL_VERIFIED: 'E-mail address verified',
  EMAIL_CHANGED: 'E-mail address changed',
  PASSWORD_RESET_REQUESTED: 'Password reset requested',
  PASSWORD_RESET: 'Password reset',
  PLAN_CHOSEN: 'Plan chosen',
  PLAN_CHANGED: 'Plan changed',
  PLAN_CANCELLED: 'Plan cancelled',
  QUOTA_WARNING: 'Quota at 80%',
  QUOTA_REACHED: 'Quota reached',
  TOKEN_GENERATED: 'Token generated',
  TOKEN_RENAMED: 'Token renamed',
  TOKEN_RESTRICTED: 'Token restrictions changed',
  TOKEN_ROLLED: 'Token secret rolled',
  TOKEN_GRACE_ENDED: 'Previous secret stopped',
  TOKEN_DELETED: 'Token deleted',
  TOKEN_DISABLED: 'Token disabled',
  TOKEN_ENABLED: 'Token enabled',
  TOKEN_EXPIRING: 'Token expiring soon',
  TOKEN_EXPIRED: 'Token expired',
  TOKEN_LEAKED: 'Token leaked',
  REVOKED_TOKEN_PRESENTED: 'Revoked token used',
  WEBHOOK_ENDPOINT_CREATED: 'Webhook endpoint added',
  WEBHOOK_ENDPOINT_DELETED: 'Webhook endpoint deleted',
  WEBHOOK_SECRET_ROTATED: 'Webhook secret rotated',
  WEBHOOK_ENDPOINT_DISABLED: 'Webhook endpoint disabled',
  WEBHOOK_ENDPOINT_ENABLED: 'Webhook endpoint enabled',
  TEAM_CREATED: 'Team created',
  TEAM_DELETED: 'Team deleted',
  TEAM_TWO_FACTOR_POLICY_CHANGED: 'Team two-factor rule changed',
  MEMBER_INVITED: 'Member invited',
  INVITATION_REVOKED: 'Invitation revoked',
  MEMBER_JOINED: 'Member joined',
  MEMBER_ROLE_CHANGED: 'Member role changed',
  MEMBER_REMOVED: 'Member removed',
  MEMBER_LEFT: 'Member left',
};

/** The event filter's groups, in the order they are offered; together they hold every type once. */
export const EVENT_GROUPS: ReadonlyArray<{ id: string; label: string; types: readonly AuditEventType[] }> = [
  {
    id: 'tokens',
    label: 'Tokens',
    types: ['TOKEN_GENERATED', 'TOKEN_RENAMED', 'TOKEN_RESTRICTED', 'TOKEN_ROLLED', 'TOKEN_GRACE_ENDED', 'TOKEN_DISABLED', 'TOKEN_ENABLED', 'TOKEN_DELETED', 'TOKEN_EXPIRING', 'TOKEN_EXPIRED'],
  },
  { id: 'security', label: 'Security', types: ['TOKEN_LEAKED', 'REVOKED_TOKEN_PRESENTED', 'SIGN_IN_FAILED', 'SESSION_EXPIRED', 'TWO_FACTOR_ENABLED', 'TWO_FACTOR_DISABLED', 'RECOVERY_CODE_USED'] },
  { id: 'sign-in', label: 'Sign-in and account', types: ['SIGN_UP', 'SIGN_IN_SUCCEEDED', 'SIGN_OUT', 'SESSION_REVOKED', 'EMAIL_VERIFIED', 'EMAIL_CHANGED', 'PASSWORD_RESET_REQUESTED', 'PASSWORD_RESET'] },
  { id: 'plan', label: 'Plan and usage', types: ['PLAN_CHOSEN', 'PLAN_CHANGED', 'PLAN_CANCELLED', 'QUOTA_WARNING', 'QUOTA_REACHED'] },
  { id: 'team', label: 'Team', types: ['TEAM_CREATED', 'TEAM_DELETED', 'TEAM_TWO_FACTOR_POLICY_CHANGED', 'MEMBER_INVITED', 'INVITATION_REVOKED', 'MEMBER_JOINED', 'MEMBER_ROLE_CHANGED', 'MEMBER_REMOVED', 'MEMBER_LEFT'] },
  { id: 'webhooks', label: 'Webhooks', types: ['WEBHOOK_ENDPOINT_CREATED', 'WEBHOOK_ENDPOINT_DELETED', 'WEBHOOK_SECRET_ROTATED', 'WEBHOOK_ENDPOINT_DISABLED', 'WEBHOOK_ENDPOINT_ENABLED'] },
];

/** Every event type, in the filter's order: the keys of the labels, which the type checker holds to the schema's enum. */
export const ALL_EVENT_TYPES = Object.keys(EVENT_LABELS) as AuditEventType[];

const ROLE_WORDS: Record<TeamRole, string> = { OWNER: 'an owner', ADMIN: 'an admin', DEVELOPER: 'a developer', VIEWER: 'a viewer' };
const SCOPE_WORDS: Record<string, string> = {
  AUDIT_READ: 'read activity',
  DOCUMENTS_RENDER: 'make documents',
  TOKENS_READ: 'read tokens',
  TOKENS_WRITE: 'manage tokens',
  USAGE_READ: 'read usage',
  WEBHOOKS_WRITE: 'manage webhooks',
};
const GRACE_WORDS: Record<string, string> = {
  NONE: 'the previous secret stopped at once',
  ONE_HOUR: 'the previous secret kept working for an hour',
  ONE_DAY: 'the previous secret kept working for a day',
  SEVEN_DAYS: 'the previous secret kept working for 7 days',
};
/** Why a revoked token was refused (REVOKED_TOKEN_PRESENTED's reason, an error code). */
const REVOKED_WORDS: Record<string, string> = {
  API_TOKEN_DELETED: 'the deleted token',
  API_TOKEN_EXPIRED: 'the expired token',
  API_TOKEN_DISABLED: 'the disabled token',
  API_TOKEN_ROLLED: 'a replaced secret of the token',
};

/** A code that slipped through (a role or scope the page does not know yet), in words rather than as a code. */
const words = (code: string) => code.toLowerCase().replace(/_/g, ' ');
const quoted = (name: string) => `“${name}”`;
const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const roleWords = (role: unknown) => (typeof role === 'string' ? (ROLE_WORDS[role as TeamRole] ?? `a ${words(role)}`) : null);
const roleName = (role: unknown) => (typeof role === 'string' ? words(role) : null);

const shortDate = (iso: string, now: Date) => {
  const date = new Date(iso);
  const sameYear = date.getFullYear() === now.getFullYear();
  return new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }) }).format(date);
};

/** A billing period ("2026-12", UTC) as "this month" or "in November 2026". */
function periodWords(period: unknown, now: Date): { current: boolean; text: string } {
  if (typeof period !== 'string' || !/^\d{4}-\d{2}/.test(period)) return { current: true, text: 'this month' };
  if (period.slice(0, 7) === now.toISOString().slice(0, 7)) return { current: true, text: 'this month' };
  const [year, month] = period.split('-').map(Number) as [number, number];
  const name = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(year, month - 1, 1)));
  return { current: false, text: `in ${name}` };
}

function parseDetails(details: string | null | undefined): Record<string, unknown> {
  if (!details) return {};
  try {
    const parsed: unknown = JSON.parse(details);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);
const count = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** One sentence's parts: who did it (null: the sentence has no actor), what, and facts after the address. */
interface Parts {
  /** Who acted, or null when the sentence names its subject itself ("The token “CI” expired"). */
  actor: string | null;
  phrase: string;
  /** Whether the client's address belongs in the sentence ("… from 203.0.113.7"). */
  from: boolean;
  /** Facts after the address, with their own punctuation (": …", ", …"). */
  tail?: string;
}

interface Facts {
  event: SentenceEvent;
  details: Record<string, unknown>;
  context: SentenceContext;
  now: Date;
  actor: string;
  /** "the token “CI”", or "a token" when its name is unknown. */
  token: string;
  /** Whether the token acted on itself (an API token rolling or deleting its own secret). */
  self: boolean;
}

/** A sentence with the acting person or token as its subject and the address it acted from. */
const act = (facts: Facts, phrase: string, tail?: string): Parts => ({ actor: facts.actor, phrase, from: true, tail });
/** A sentence about something that happened (its subject is in the phrase). */
const happened = (phrase: string, from = false, tail?: string): Parts => ({ actor: null, phrase, from, tail });

function restrictionWords(details: Record<string, unknown>): string[] {
  const parts: string[] = [];
  if ('allowedIps' in details) {
    const ips = text(details.allowedIps);
    parts.push(ips ? `only from ${ips.split(',').join(', ')}` : 'from any address');
  }
  if ('monthlyDocumentLimit' in details) {
    const limit = count(details.monthlyDocumentLimit);
    parts.push(limit === null ? 'no monthly limit' : `a monthly limit of ${limit.toLocaleString()} documents`);
  }
  if ('expiresAt' in details) {
    const expiresAt = text(details.expiresAt);
    parts.push(expiresAt ? `expires ${expiresAt.slice(0, 10)}` : 'never expires');
  }
  if ('rateLimitPerSecond' in details || 'rateLimitPerMinute' in details) parts.push('a new rate limit');
  const scopes = text(details.scopes);
  if (scopes) parts.push(`may ${scopes.split(' ').map((scope) => SCOPE_WORDS[scope] ?? words(scope)).join(', ')}`);
  return parts;
}

const SENTENCES: Record<AuditEventType, (facts: Facts) => Parts> = {
  SIGN_UP: (f) => act(f, 'signed up'),
  SIGN_IN_SUCCEEDED: (f) => act(f, 'signed in'),
  SIGN_IN_FAILED: (f) =>
    happened(
      f.event.actorEmail ? `A sign-in as ${f.event.actorEmail} failed` : 'A sign-in failed',
      true,
      f.details.reason === 'TWO_FACTOR_INVALID' ? ': the two-factor code was wrong' : f.details.reason ? ': it was refused' : ': wrong e-mail address or password',
    ),
  SIGN_OUT: (f) => act(f, 'signed out'),
  SESSION_EXPIRED: (f) => happened(f.event.actorEmail ? `An expired session of ${f.event.actorEmail} was used` : 'An expired session was used', true, '; it was refused'),
  SESSION_REVOKED: (f) => act(f, 'signed out another session'),
  TWO_FACTOR_ENABLED: (f) => act(f, 'turned on two-factor sign-in'),
  TWO_FACTOR_DISABLED: (f) => act(f, 'turned off two-factor sign-in'),
  RECOVERY_CODE_USED: (f) => act(f, 'signed in with a recovery code'),
  EMAIL_VERIFIED: (f) => {
    const email = text(f.details.email);
    return act(f, email && email !== f.event.actorEmail ? `verified the e-mail address ${email}` : 'verified their e-mail address');
  },
  EMAIL_CHANGED: (f) => {
    const from = text(f.details.from);
    const to = text(f.details.to);
    return act(f, to ? `changed the e-mail address ${from ? `from ${from} ` : ''}to ${to}` : 'changed their e-mail address');
  },
  PASSWORD_RESET_REQUESTED: (f) => happened(f.event.actorEmail ? `A password reset link was requested for ${f.event.actorEmail}` : 'A password reset link was requested', true),
  PASSWORD_RESET: (f) => act(f, 'reset their password with a link sent by mail'),
  PLAN_CHOSEN: (f) => {
    const plan = text(f.details.planId);
    return act(f, plan ? `chose the ${f.context.planName(plan)} plan` : 'chose a plan');
  },
  PLAN_CHANGED: (f) => {
    const plan = text(f.details.planId);
    const previous = text(f.details.previousPlanId);
    if (!plan) return act(f, 'changed the plan');
    return act(f, previous ? `changed the plan from ${f.context.planName(previous)} to ${f.context.planName(plan)}` : `changed the plan to ${f.context.planName(plan)}`);
  },
  PLAN_CANCELLED: (f) => {
    const plan = text(f.details.planId);
    return act(f, plan ? `cancelled the ${f.context.planName(plan)} plan` : 'cancelled the plan');
  },
  QUOTA_WARNING: (f) => {
    const used = count(f.details.used);
    const quota = count(f.details.quota);
    const period = periodWords(f.details.period, f.now);
    if (used === null || quota === null) return happened(`${f.context.teamLabel} ${period.current ? 'has' : 'had'} used 80% of the month’s documents`);
    return happened(`${f.context.teamLabel} ${period.current ? 'has' : 'had'} used ${used.toLocaleString()} of ${quota.toLocaleString()} documents ${period.text}`);
  },
  QUOTA_REACHED: (f) => {
    const quota = count(f.details.quota);
    const period = periodWords(f.details.period, f.now);
    return happened(
      `${f.context.teamLabel} ${period.current ? 'has' : 'had'} used all ${quota === null ? 'the' : quota.toLocaleString()} documents ${period.text}`,
      false,
      period.current ? '; new documents are refused until the quota resets' : undefined,
    );
  },
  TOKEN_GENERATED: (f) => {
    const named = text(f.details.name);
    const current = f.event.token?.name;
    const what = named ? `the token ${quoted(named)}${current && current !== named ? ` (now ${quoted(current)})` : ''}` : f.token;
    const expiresAt = text(f.details.expiresAt);
    const tail = expiresAt ? `, expiring on ${shortDate(expiresAt, f.now)}` : f.details.expiresAt === null ? ', with no expiry' : undefined;
    return act(f, `generated ${what}`, tail);
  },
  TOKEN_RENAMED: (f) => {
    const name = text(f.details.name);
    if (f.self) return act(f, name ? `renamed itself to ${quoted(name)}` : 'renamed itself');
    return act(f, name ? `renamed a token to ${quoted(name)}` : `renamed ${f.token}`);
  },
  TOKEN_RESTRICTED: (f) => {
    const parts = restrictionWords(f.details);
    return act(f, f.self ? 'changed its own restrictions' : `changed the restrictions of ${f.token}`, parts.length > 0 ? `: ${parts.join('; ')}` : undefined);
  },
  TOKEN_ROLLED: (f) => {
    const grace = typeof f.details.gracePeriod === 'string' ? GRACE_WORDS[f.details.gracePeriod] : undefined;
    return act(f, f.self ? 'rolled its own secret' : `rolled the secret of ${f.token}`, grace ? `; ${grace}` : undefined);
  },
  TOKEN_GRACE_ENDED: (f) => {
    const uses = count(f.details.previousSecretUseCount);
    const tail = uses === null ? undefined : `, after ${uses === 0 ? 'no documents' : uses === 1 ? '1 document' : `${uses.toLocaleString()} documents`} with it since the roll`;
    return act(f, `stopped the previous secret of ${f.self ? 'itself' : f.token} before its grace period ended`, tail);
  },
  TOKEN_DELETED: (f) => act(f, f.self ? 'deleted itself' : `deleted ${f.token}`),
  TOKEN_DISABLED: (f) => act(f, f.self ? 'disabled itself' : `disabled ${f.token}`),
  TOKEN_ENABLED: (f) => act(f, `enabled ${f.token}`),
  TOKEN_EXPIRING: (f) => {
    const expiresAt = text(f.details.expiresAt);
    const days = count(f.details.daysBefore);
    if (!expiresAt) return happened(`${capitalize(f.token)} will expire soon`);
    const within = days === null ? '' : ` (in ${days} ${days === 1 ? 'day' : 'days'})`;
    return happened(`${capitalize(f.token)} will expire on ${shortDate(expiresAt, f.now)}${within}`);
  },
  TOKEN_EXPIRED: (f) => happened(`${capitalize(f.token)} expired`),
  TOKEN_LEAKED: (f) => {
    const url = text(f.details.url);
    const finder = f.event.actorType === 'SCANNER' ? 'A secret scanner' : f.actor;
    return { actor: finder, phrase: `found ${f.token} in public${url ? ` at ${url}` : ''} and it was revoked`, from: false };
  },
  REVOKED_TOKEN_PRESENTED: (f) => {
    const reason = typeof f.details.reason === 'string' ? REVOKED_WORDS[f.details.reason] : undefined;
    const which = f.event.token ? `${reason ?? 'the revoked token'} ${quoted(f.event.token.name)}` : 'a revoked token';
    return happened(`Someone used ${which}`, true, '; it was refused');
  },
  WEBHOOK_ENDPOINT_CREATED: (f) => {
    const url = text(f.details.url);
    const events = Array.isArray(f.details.events) ? f.details.events.filter((name): name is string => typeof name === 'string') : [];
    const tail = events.length > 0 ? `, for ${events.join(', ')}` : undefined;
    return act(f, url ? `added the webhook endpoint ${url}` : 'added a webhook endpoint', tail);
  },
  WEBHOOK_ENDPOINT_DELETED: (f) => act(f, 'deleted a webhook endpoint'),
  WEBHOOK_SECRET_ROTATED: (f) => act(f, 'rotated the signing secret of a webhook endpoint'),
  WEBHOOK_ENDPOINT_DISABLED: (f) => act(f, 'disabled a webhook endpoint'),
  WEBHOOK_ENDPOINT_ENABLED: (f) => act(f, 'enabled a webhook endpoint again'),
  TEAM_CREATED: (f) => {
    const name = text(f.details.name);
    return act(f, name ? `created the team ${quoted(name)}` : 'created the team');
  },
  TEAM_DELETED: (f) => {
    const name = text(f.details.name);
    return act(f, name ? `deleted the team ${quoted(name)}` : 'deleted a team');
  },
  TEAM_TWO_FACTOR_POLICY_CHANGED: (f) =>
    act(
      f,
      f.details.twoFactorRequired === true
        ? 'required two-factor sign-in of every member'
        : f.details.twoFactorRequired === false
          ? 'stopped requiring two-factor sign-in of members'
          : 'changed the team’s two-factor rule',
    ),
  MEMBER_INVITED: (f) => {
    const email = text(f.details.email);
    const role = roleWords(f.details.role);
    return act(f, `invited ${email ?? 'someone'} to the team${role ? ` as ${role}` : ''}`);
  },
  INVITATION_REVOKED: (f) => act(f, 'revoked an invitation to the team'),
  MEMBER_JOINED: (f) => {
    const role = roleWords(f.details.role);
    return { actor: text(f.details.email) ?? f.actor, phrase: `joined the team${role ? ` as ${role}` : ''}`, from: true };
  },
  MEMBER_ROLE_CHANGED: (f) => {
    const email = text(f.details.email) ?? 'a member';
    const from = roleName(f.details.from);
    const to = roleName(f.details.to);
    return act(f, to ? `changed the role of ${email}${from ? ` from ${from}` : ''} to ${to}` : `changed the role of ${email}`);
  },
  MEMBER_REMOVED: (f) => {
    const email = text(f.details.email) ?? 'a member';
    const role = roleName(f.details.role);
    return act(f, `removed ${email}${role ? ` (${role})` : ''} from the team`);
  },
  MEMBER_LEFT: (f) => ({ actor: text(f.details.email) ?? f.actor, phrase: 'left the team', from: true }),
};

/** Who acted, as a sentence's subject. */
function actorOf(event: SentenceEvent, context: SentenceContext): string {
  switch (event.actorType) {
    case 'SESSION':
      return event.actorEmail ?? 'Someone';
    case 'API_TOKEN': {
      const name = event.actorId && event.actorId === event.token?.id ? event.token.name : event.actorId ? context.tokenName(event.actorId) : null;
      return name ? `The token ${quoted(name)}` : 'An API token';
    }
    case 'SCANNER':
      return 'A secret scanner';
    case 'SYSTEM':
      return 'Pogodoc';
    default:
      return 'Someone';
  }
}

/** The sentence an event reads as. Never a type's code or raw JSON: those are the row's details. */
export function describeEvent(event: SentenceEvent, context: SentenceContext): string {
  const now = context.now ?? new Date();
  const token = event.token ? `the token ${quoted(event.token.name)}` : 'a token';
  const self = event.actorType === 'API_TOKEN' && Boolean(event.actorId) && event.actorId === event.tokenId;
  const facts: Facts = { event, details: parseDetails(event.details), context, now, actor: actorOf(event, context), token, self };
  const describe = SENTENCES[event.type] as ((facts: Facts) => Parts) | undefined;
  // a type newer than this page (the server was updated first): its label, never its code
  const parts = describe ? describe(facts) : happened(`Something happened${event.token ? ` to ${token}` : ''}`);
  const subject = parts.actor ? `${parts.actor} ${parts.phrase}` : parts.phrase;
  // "… from Pro to Business, from 203.0.113.7": a comma keeps two "from"s apart
  const address = parts.from && event.clientAddress ? `${/ from /.test(parts.phrase) ? ',' : ''} from ${event.clientAddress}` : '';
  return `${subject}${address}${parts.tail ?? ''}`;
}

/** A type's words for the filter and the details, never its code (an unknown type reads as "Other event"). */
export const eventLabel = (type: AuditEventType): string => EVENT_LABELS[type] ?? 'Other event';
