// GET /activity/export.csv: a team's whole audit trail for a filter, as CSV, streamed a page at a
// time (never held whole), for the dashboard's Export and for scripts. The same credentials and
// rules as the auditEventConnection query: a session whose role may read the audit log (or an API
// token with AUDIT_READ), in the team named by `team` (or the Pogodoc-Team header).
import type { Plugin } from 'graphql-yoga';
import { AUDIT_EVENT_TYPES, type AuditEventRecord, type AuditEventType, type AuditFilter } from '../domain/audit.js';
import { DomainError } from '../domain/errors.js';
import { requireRoleScope, TEAM_HEADER } from '../domain/teams.js';
import { requireScope } from '../domain/token-scopes.js';
import type { GraphQLContext, InitialContext } from '../graphql/context.js';
import { expectedErrorOf } from '../graphql/errors.js';

export const ACTIVITY_EXPORT_PATH = '/activity/export.csv';

const COLUMNS = ['time', 'type', 'actorType', 'actorEmail', 'actorId', 'tokenId', 'tokenName', 'clientAddress', 'userAgent', 'details'] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A field that a
 * spreadsheet would run as a formula (=, +, -, @, tab, return first) gets a leading apostrophe:
 * names, agents and details come from whoever sent them.
 */
export function csvField(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function filterOf(params: URLSearchParams): AuditFilter {
  const instant = (name: string) => {
    const raw = params.get(name);
    if (!raw) return undefined;
    const date = new Date(raw);
    if (Number.isNaN(date.getTime())) throw new DomainError('EXPORT_FILTER_INVALID', `${name} must be an ISO 8601 time, such as 2026-12-01T00:00:00Z; got "${raw}".`);
    return date;
  };
  const types = params.get('types')?.split(',').map((type) => type.trim()).filter(Boolean);
  const unknown = types?.find((type) => !(AUDIT_EVENT_TYPES as readonly string[]).includes(type));
  if (unknown) throw new DomainError('EXPORT_FILTER_INVALID', `There is no event type "${unknown}": use the AuditEventType names of the schema, comma-separated.`);
  return {
    types: types?.length ? (types as AuditEventType[]) : undefined,
    tokenId: params.get('tokenId') || undefined,
    actorUserId: params.get('actorUserId') || undefined,
    from: instant('from'),
    to: instant('to'),
  };
}

export function activityExport(createContext: (initial: InitialContext) => GraphQLContext): Plugin {
  return {
    onRequest({ url, request, serverContext, endResponse, fetchAPI }) {
      if (url.pathname !== ACTIVITY_EXPORT_PATH) return;
      if (request.method !== 'GET') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET' } }));
        return;
      }
      const headers = new fetchAPI.Headers(request.headers);
      const team = url.searchParams.get('team');
      if (team) headers.set(TEAM_HEADER, team);
      const ctx = createContext({ request: new fetchAPI.Request(request.url, { headers }), req: (serverContext as InitialContext).req });
      return exportOf(ctx, url.searchParams, fetchAPI).then(endResponse);
    },
  };
}

async function exportOf(ctx: GraphQLContext, params: URLSearchParams, fetchAPI: { Response: typeof Response }): Promise<Response> {
  let accountId: string;
  let filter: AuditFilter;
  try {
    filter = filterOf(params);
    const caller = await ctx.principal();
    if (caller.kind === 'session') requireRoleScope(caller.role, 'AUDIT_READ');
    else requireScope(caller.token.scopes, 'AUDIT_READ');
    accountId = caller.account.id;
  } catch (error) {
    const expected = expectedErrorOf(error);
    if (!expected) throw error;
    const http = expected.extensions.http as { status?: number; headers?: Record<string, string> } | undefined;
    const status = http?.status ?? (expected.extensions.code === 'UNAUTHENTICATED' || expected.extensions.code === 'SESSION_EXPIRED' ? 401 : 400);
    return new fetchAPI.Response(JSON.stringify({ errors: [{ message: expected.message, extensions: { code: expected.extensions.code } }] }), {
      status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...http?.headers },
    });
  }
  const { services } = ctx;
  const pages = services.audit.everyEvent(accountId, filter);
  const encoder = new TextEncoder();
  const line = async (events: AuditEventRecord[]) => {
    const tokens = await services.apiTokens.findOwnedTokens(accountId, [...new Set(events.flatMap((event) => (event.tokenId ? [event.tokenId] : [])))]);
    return events
      .map((event) =>
        [event.createdAt.toISOString(), event.type, event.actorType, event.actorEmail, event.actorId, event.tokenId, event.tokenId ? tokens.get(event.tokenId)?.name : null, event.clientAddress, event.userAgent, event.details]
          .map(csvField)
          .join(','),
      )
      .join('\r\n');
  };
  const body = new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(encoder.encode(`${COLUMNS.join(',')}\r\n`)),
    // one page per pull: a slow reader holds the export back rather than the export filling memory
    async pull(controller) {
      const next = await pages.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(`${await line(next.value)}\r\n`));
    },
    cancel: async () => void (await pages.return(undefined)),
  });
  return new fetchAPI.Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="activity-${new Date().toISOString().slice(0, 10)}.csv"`,
      'cache-control': 'no-store',
    },
  });
}
