// What a request of the log says, in words: "Refused: 203.0.113.7 is not in this token's
// allowlist", "OK: renderDocument in 12 ms". The Requests view (components/token-requests.tsx)
// shows these sentences in its list, and the short labels in its chart's totals. An outcome is OK
// or the error code the request ended with (server/src/domain/error-codes.ts, the one list, which
// reaches this page as the ErrorCode type): every code a request with a known token can end with
// has words here; a code this page does not know yet reads as itself ("Refused: NEW_CODE").
import type { ErrorCode } from './gql/error-code';

export const OK_OUTCOME = 'OK';
/** Not an error code: the client closed the connection before its answer was written (the server's edge names it). */
export const ABORTED_OUTCOME = 'ABORTED';

/** The facts of a request its sentence is made of (a subset of the RequestLogEntry type). */
export interface SentenceRequest {
  outcome: string;
  operation: string;
  durationMs: number;
  clientAddress: string;
}

interface OutcomeWords {
  /** Short, for the chart's totals: "Address not allowed". */
  label: string;
  /** Why, after "Refused: " (or "Failed: "). */
  reason: string | ((request: SentenceRequest) => string);
  /**
   * The service took the request but could not make its document (the template or the render):
   * "Failed", not "Refused". The server counts both as refused (every outcome but OK).
   */
  failed?: true;
}

const OUTCOMES: Partial<Record<ErrorCode, OutcomeWords>> = {
  // the token itself
  API_TOKEN_IP_NOT_ALLOWED: { label: 'Address not allowed', reason: (request) => `${request.clientAddress} is not in this token's allowlist` },
  API_TOKEN_DELETED: { label: 'Token deleted', reason: 'the token was deleted' },
  API_TOKEN_DISABLED: { label: 'Token disabled', reason: 'the token is disabled' },
  API_TOKEN_EXPIRED: { label: 'Token expired', reason: 'the token has expired' },
  API_TOKEN_ROLLED: { label: 'Old secret', reason: 'the secret was replaced by a roll and its grace period has ended' },
  API_TOKEN_SCOPE_MISSING: { label: 'Scope missing', reason: (request) => (request.operation ? `the token lacks the scope ${request.operation} needs` : 'the token lacks a scope the request needs') },
  API_TOKEN_RESTRICTED: { label: 'Looser token asked', reason: 'the token asked for a token looser than itself' },
  PLAN_REQUIRED: { label: 'No active plan', reason: 'the account has no active plan' },
  // limits
  QUOTA_EXCEEDED: { label: 'Quota used up', reason: 'the monthly quota is used up' },
  TOKEN_LIMIT_EXCEEDED: { label: 'Token limit reached', reason: "the token's monthly document limit is reached" },
  RATE_LIMITED: { label: 'Rate limited', reason: 'too many requests (rate limited)' },
  // the request
  BAD_REQUEST: { label: 'Malformed request', reason: 'the HTTP request is malformed' },
  REQUEST_ENTITY_TOO_LARGE: { label: 'Request too large', reason: 'the request body is over its size limit' },
  GRAPHQL_PARSE_FAILED: { label: 'Invalid query', reason: 'the query is not valid GraphQL' },
  GRAPHQL_VALIDATION_FAILED: { label: 'Invalid query', reason: 'the query does not fit the schema, or is too costly' },
  BAD_USER_INPUT: { label: 'Invalid variables', reason: 'a variable does not fit its type' },
  IDEMPOTENCY_KEY_INVALID: { label: 'Bad idempotency key', reason: 'the Idempotency-Key header is not valid' },
  IDEMPOTENCY_KEY_REUSED: { label: 'Idempotency key reused', reason: 'the Idempotency-Key was used with a different request' },
  IDEMPOTENCY_KEY_IN_USE: { label: 'Idempotency key busy', reason: 'a request with this Idempotency-Key was still running' },
  // the document
  TEMPLATE_INVALID: { label: 'Template invalid', reason: 'the template does not parse, or uses an unknown filter', failed: true },
  TEMPLATE_TOO_LARGE: { label: 'Template too large', reason: 'the template is over its size limit', failed: true },
  DATA_INVALID: { label: 'Data invalid', reason: 'the data is not a JSON object, or is nested too deep', failed: true },
  DATA_TOO_LARGE: { label: 'Data too large', reason: 'the data is over its size limit', failed: true },
  RENDER_FAILED: { label: 'Render failed', reason: 'the template failed while rendering', failed: true },
  RENDER_TIMEOUT: { label: 'Render timed out', reason: 'the render ran past its time limit', failed: true },
  RENDER_OUTPUT_TOO_LARGE: { label: 'Output too large', reason: 'the document was over the output size limit', failed: true },
  // the service
  DATABASE_UNAVAILABLE: { label: 'Service unavailable', reason: 'the service could not serve it (database unavailable); nothing was changed', failed: true },
  INTERNAL_SERVER_ERROR: { label: 'Unexpected error', reason: 'an unexpected error on our side', failed: true },
};

const wordsOf = (outcome: string): OutcomeWords | undefined => OUTCOMES[outcome as ErrorCode];

export const isRefused = (outcome: string) => outcome !== OK_OUTCOME;

/** An outcome's short label for the chart and its totals: "OK", "Address not allowed", or an unknown code as it is. */
export const outcomeLabel = (outcome: string): string =>
  outcome === OK_OUTCOME ? 'OK' : outcome === ABORTED_OUTCOME ? 'Client went away' : (wordsOf(outcome)?.label ?? outcome);

/** "12 ms", "under 1 ms", "1.4 s". */
export function durationWords(ms: number): string {
  if (ms < 1) return 'under 1 ms';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1_000).toFixed(1)} s`;
}

/** How a request ended, as the first word of its sentence. */
export function outcomeKind(outcome: string): 'OK' | 'Refused' | 'Failed' | 'Aborted' {
  if (outcome === OK_OUTCOME) return 'OK';
  if (outcome === ABORTED_OUTCOME) return 'Aborted';
  return wordsOf(outcome)?.failed ? 'Failed' : 'Refused';
}

/** The sentence a request reads as. */
export function describeRequest(request: SentenceRequest): string {
  if (request.outcome === OK_OUTCOME) return `OK: ${request.operation || 'request'} in ${durationWords(request.durationMs)}`;
  if (request.outcome === ABORTED_OUTCOME) return `Aborted: the client closed the connection before the answer, after ${durationWords(request.durationMs)}`;
  const words = wordsOf(request.outcome);
  const reason = !words ? request.outcome : typeof words.reason === 'function' ? words.reason(request) : words.reason;
  return `${outcomeKind(request.outcome)}: ${reason}`;
}
