// The Activity view's filter: what the person chose (event, token, member, days), where it is kept
// (the address bar's query string, so that a reload, a bookmark and the back button keep it), and
// what it means to the server (the auditEventConnection's arguments, and the export's address).
//
// In the query string rather than the fragment: the fragment carries the e-mail links' secrets
// (link-fragment.ts), which the page takes out of the address bar as soon as it reads them. Each
// parameter is prefixed with "activity-" so that other views' parameters never collide with it.
import type { AuditEventType } from './gql/graphql';
import { ALL_EVENT_TYPES, EVENT_GROUPS } from './activity-sentences';

export interface ActivityFilter {
  /** '' (every event), one type, or a group's id (EVENT_GROUPS). */
  event: string;
  tokenId: string;
  /** A person of the team (teamMembers' userId): the events they caused. */
  memberId: string;
  /** The first day shown, YYYY-MM-DD in the browser's time zone; '' for no start. */
  from: string;
  /** The last day shown (included), YYYY-MM-DD; '' for no end. */
  to: string;
}

export const NO_FILTER: ActivityFilter = { event: '', tokenId: '', memberId: '', from: '', to: '' };

const PARAMS: Record<keyof ActivityFilter, string> = {
  event: 'activity-event',
  tokenId: 'activity-token',
  memberId: 'activity-member',
  from: 'activity-from',
  to: 'activity-to',
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isEvent = (value: string) => (ALL_EVENT_TYPES as string[]).includes(value) || EVENT_GROUPS.some((group) => group.id === value);

/** The filter the address holds; anything it does not understand (an old or hand-made link) is left out. */
export function filterFromUrl(search: string = window.location.search): ActivityFilter {
  const params = new URLSearchParams(search);
  const value = (key: keyof ActivityFilter) => params.get(PARAMS[key])?.trim() ?? '';
  const day = (key: 'from' | 'to') => (DAY.test(value(key)) ? value(key) : '');
  return { event: isEvent(value('event')) ? value('event') : '', tokenId: value('tokenId'), memberId: value('memberId'), from: day('from'), to: day('to') };
}

/** The address with this filter, every other parameter and the fragment as they were. */
export function urlWithFilter(filter: ActivityFilter, href: string = window.location.href): string {
  const url = new URL(href);
  for (const key of Object.keys(PARAMS) as Array<keyof ActivityFilter>) {
    if (filter[key]) url.searchParams.set(PARAMS[key], filter[key]);
    else url.searchParams.delete(PARAMS[key]);
  }
  return url.toString();
}

export const isFiltered = (filter: ActivityFilter) => Object.values(filter).some(Boolean);
export const sameFilter = (a: ActivityFilter, b: ActivityFilter) => (Object.keys(PARAMS) as Array<keyof ActivityFilter>).every((key) => a[key] === b[key]);

/** The types an event filter stands for; null for every type. */
export function typesOf(event: string): AuditEventType[] | null {
  if (!event) return null;
  const group = EVENT_GROUPS.find((candidate) => candidate.id === event);
  return group ? [...group.types] : [event as AuditEventType];
}

/** Midnight starting a day of the browser's calendar, as an instant. */
function startOfDay(day: string, plusDays = 0): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(year, month - 1, date + plusDays).toISOString();
}

/** The filter as the server takes it: the auditEventConnection's arguments, and the export's parameters. */
export interface ActivityVariables {
  types: AuditEventType[] | null;
  tokenId: string | null;
  actorUserId: string | null;
  /** Events at or after this instant (the start of the first day). */
  from: string | null;
  /** Events before this instant (the start of the day after the last). */
  to: string | null;
}

export function variablesOf(filter: ActivityFilter): ActivityVariables {
  return {
    types: typesOf(filter.event),
    tokenId: filter.tokenId || null,
    actorUserId: filter.memberId || null,
    from: filter.from ? startOfDay(filter.from) : null,
    to: filter.to ? startOfDay(filter.to, 1) : null,
  };
}

/** Whether the range is backwards (its first day after its last): nothing can match it. */
export const rangeIsBackwards = (filter: ActivityFilter) => Boolean(filter.from && filter.to && filter.from > filter.to);

/** Whether an event that arrived live belongs in the filtered list (the subscription filters by type only). */
export function matchesFilter(
  event: { type: AuditEventType; tokenId?: string | null; actorUserId?: string | null; createdAt: string },
  variables: ActivityVariables,
): boolean {
  if (variables.types && !variables.types.includes(event.type)) return false;
  if (variables.tokenId && event.tokenId !== variables.tokenId) return false;
  if (variables.actorUserId && event.actorUserId !== variables.actorUserId) return false;
  const at = Date.parse(event.createdAt);
  if (variables.from && at < Date.parse(variables.from)) return false;
  if (variables.to && at >= Date.parse(variables.to)) return false;
  return true;
}

export const EXPORT_PATH = '/activity/export.csv';

/**
 * The server's export of every event of the filter (all pages, not the rows loaded), as a link the
 * session cookie authenticates. `teamId` names the team as the Pogodoc-Team header does; null for
 * the personal team.
 */
export function exportHref(variables: ActivityVariables, teamId: string | null): string {
  const params = new URLSearchParams();
  if (variables.from) params.set('from', variables.from);
  if (variables.to) params.set('to', variables.to);
  if (variables.types) params.set('types', variables.types.join(','));
  if (variables.tokenId) params.set('tokenId', variables.tokenId);
  if (variables.actorUserId) params.set('actorUserId', variables.actorUserId);
  if (teamId) params.set('team', teamId);
  const query = params.toString();
  return query ? `${EXPORT_PATH}?${query}` : EXPORT_PATH;
}
