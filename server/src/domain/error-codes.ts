// Every code a client can find in an error's extensions.code, with when it is given: the one list.
// The GraphQL schema publishes it as the ErrorCode enum (graphql/types/error-code.ts), so the
// dashboard and the SDK get it through codegen instead of copying it.
export const ERROR_CODES = {
  // dashboard sessions
  UNAUTHENTICATED: 'A dashboard operation without a session.',
  SESSION_EXPIRED: 'The session expired, was signed out, or is not a valid session token.',
  SESSION_REQUIRED: 'An operation only a dashboard session may do (plans, live subscriptions) with an API token.',
  SESSION_NOT_FOUND: 'revokeSession with an id that is not a current session of the account.',
  INVALID_CREDENTIALS: 'Wrong email or password (the same answer for both).',
  PASSWORD_INCORRECT: 'startTwoFactorEnrolment or disableTwoFactor with a password that is not the account\u2019s.',
  TWO_FACTOR_REQUIRED: 'signIn with the right password for an account with two-factor on, without a code.',
  TWO_FACTOR_INVALID: 'A two-factor code that is wrong, expired, already used, or a recovery code that is unknown or used.',
  TWO_FACTOR_ALREADY_ENABLED: 'startTwoFactorEnrolment while two-factor is on.',
  TWO_FACTOR_NOT_ENROLLING: 'confirmTwoFactor without an enrolment started.',
  TWO_FACTOR_NOT_ENABLED: 'disableTwoFactor while two-factor is off.',
  EMAIL_INVALID: 'Sign-up with an email that is not an address.',
  EMAIL_TAKEN: 'Sign-up with an email that already has an account.',
  PASSWORD_TOO_SHORT: 'Sign-up with a password under the minimum length.',
  PASSWORD_TOO_LONG: 'Sign-up with a password over the maximum length.',
  // teams
  TEAM_NOT_FOUND: 'A team you are not a member of (the Pogodoc-Team header, or a team id): it looks the same as one that does not exist.',
  TEAM_ROLE_INSUFFICIENT: 'Your role in the team does not allow the operation: HTTP 403; extensions.role names the least role that does.',
  TEAM_TWO_FACTOR_REQUIRED: 'A request to a team that requires two-factor sign-in, by a member who has not turned it on: HTTP 403.',
  TEAM_LIMIT_REACHED: 'createTeam by someone who already owns 10 teams (their personal team not counted).',
  TEAM_NAME_INVALID: 'createTeam with a name that is empty after trimming, too long, or has control characters; deleteTeam with a name that is not the team’s.',
  TEAM_PERSONAL: 'Inviting to, or leaving, a personal team: it has only its owner. Create a team to work with others.',
  TEAM_OWNER_REQUIRED: 'A change that would leave the team without an owner: make another member an owner first.',
  MEMBER_NOT_FOUND: 'changeMemberRole or removeMember for someone who is not a member of the team.',
  MEMBER_CHANGED: 'changeMemberRole, removeMember or leaveTeam while the member’s role changed meanwhile: reload and try again.',
  MEMBER_ALREADY_JOINED: 'Inviting, or accepting an invitation for, someone who is already a member of the team.',
  INVITATION_NOT_FOUND: 'An invitation link or id that does not exist, or a pending invitation of another team.',
  INVITATION_USED: 'An invitation link that was already accepted: each link works once.',
  INVITATION_REVOKED: 'An invitation link that was revoked.',
  INVITATION_EXPIRED: 'An invitation link past its 7 days.',
  INVITATION_LIMIT_REACHED: 'inviteMember while the team has 50 pending invitations: revoke some first.',
  // plans
  PLAN_NOT_FOUND: 'choosePlan with an id that plans does not list.',
  PLAN_REQUIRED: 'Generating or using a token, or watching live counts, without an active plan.',
  // token management
  TOKEN_NAME_REQUIRED: 'The token name is empty after trimming.',
  TOKEN_NAME_TOO_LONG: 'The token name is longer than the tokenRules allow.',
  TOKEN_NAME_INVALID: 'The token name has control characters or invisible format characters (zero-width, text-direction) outside an emoji.',
  TOKEN_LIMIT_REACHED: 'The account already has the most active tokens the tokenRules allow.',
  TOKEN_NOT_FOUND: 'No such token in your account (another account’s token looks the same).',
  TOKEN_ALREADY_DELETED: 'Deleting or rolling a deleted token.',
  TOKEN_EXPIRY_INVALID: 'generateToken with an expiry in the past, more than a year ahead, or both a preset and a date.',
  TOKEN_EXPIRED: 'Rolling a token that has expired.',
  TOKEN_IP_ALLOWLIST_INVALID: 'updateToken with an allowlist entry that is not an IP address or CIDR, or with too many entries.',
  TOKEN_SCOPES_INVALID: 'generateToken or updateToken with an empty list of scopes.',
  TOKEN_MONTHLY_LIMIT_INVALID: 'updateToken with a monthly document limit under 1 or over the plan quota.',
  // using an API token: HTTP 401 with WWW-Authenticate
  API_TOKEN_MISSING: 'A document request without Authorization: Bearer.',
  API_TOKEN_MALFORMED: 'Not a pgd_ token, or a failed checksum (a typo).',
  API_TOKEN_INVALID: 'A well-formed token that does not exist.',
  API_TOKEN_DELETED: 'The token was deleted.',
  API_TOKEN_EXPIRED: 'The token is past its expiry date.',
  API_TOKEN_ROLLED: 'The secret was replaced by a roll and its grace period has ended.',
  API_TOKEN_SCOPE_MISSING: 'The API token lacks the scope the operation needs, or asks to give a token a scope it lacks itself: HTTP 403; extensions.scope names it.',
  API_TOKEN_RESTRICTED: 'A token asking to make or change a token looser than itself (a later expiry, other addresses, a higher monthly limit): HTTP 403.',
  API_TOKEN_IP_NOT_ALLOWED: 'The request comes from an address outside the token allowlist: HTTP 403; nothing counted.',
  TOKEN_LIMIT_EXCEEDED: 'The token reached its monthly document limit: HTTP 429; extensions.resetsAt says when it resets.',
  QUOTA_EXCEEDED: "The account used its plan's documents for this billing period: HTTP 429 with Retry-After; extensions.resetsAt says when it resets.",
  // documents
  TEMPLATE_TOO_LARGE: 'The template is over its size limit.',
  DATA_TOO_LARGE: 'The data is over its size limit.',
  DATA_INVALID: 'The data is not a JSON object, or is nested too deep.',
  TEMPLATE_INVALID: 'The template does not parse, or uses an unknown filter.',
  RENDER_FAILED: 'The template failed while rendering.',
  RENDER_TIMEOUT: 'The render ran past its time limit.',
  RENDER_OUTPUT_TOO_LARGE: 'The render produced more than its output limit.',
  // usage
  USAGE_RANGE_INVALID: 'A usage query whose range ends before it starts, or asks for too many points.',
  // idempotency keys on documents
  IDEMPOTENCY_KEY_INVALID: 'The Idempotency-Key header is empty, too long or not printable ASCII: HTTP 400.',
  IDEMPOTENCY_KEY_REUSED: 'The Idempotency-Key was used with a different request within 24 hours: HTTP 422.',
  IDEMPOTENCY_KEY_IN_USE: 'A request with this Idempotency-Key is still running: HTTP 409 with Retry-After; retry.',
  // the audit log
  AUDIT_CURSOR_INVALID: 'auditEvents with an after cursor this service did not give out.',
  // webhooks
  WEBHOOK_URL_INVALID: 'A webhook URL that is not an https:// URL, carries credentials, or is over 2048 characters.',
  WEBHOOK_URL_FORBIDDEN: 'A webhook URL whose host does not resolve, or reaches a loopback, private, link-local or metadata address (the SSRF guard).',
  WEBHOOK_ENDPOINT_LIMIT_REACHED: 'The account already has its 10 webhook endpoints; delete one first.',
  WEBHOOK_EVENTS_INVALID: 'A webhook endpoint with no events, or an event type that does not exist.',
  WEBHOOK_NOT_FOUND: 'No such webhook endpoint or message in your account.',
  // the secret scanning endpoint (POST /secret-scanning/github; JSON errors, not GraphQL)
  SECRET_SCANNING_SIGNATURE_INVALID: 'A leak report without a signature, or one that does not verify with the named scanner key: HTTP 401.',
  SECRET_SCANNING_REPORT_INVALID: 'A signed leak report that is not a JSON array of {token, type, url, source}: HTTP 400.',
  SECRET_SCANNING_KEYS_UNAVAILABLE: 'The scanner public key list cannot be fetched; nothing was changed: HTTP 503, send again.',
  // abuse and infrastructure
  RATE_LIMITED: 'A rate limit: HTTP 429 with Retry-After; extensions.retryAfter has the seconds.',
  DATABASE_UNAVAILABLE: 'The database cannot serve right now; nothing was changed. HTTP 503 with Retry-After.',
  // the request itself
  BAD_REQUEST: 'The HTTP request is malformed: invalid JSON, or a bad Content-Length.',
  REQUEST_ENTITY_TOO_LARGE: 'The request body is over its size limit: HTTP 413.',
  GRAPHQL_PARSE_FAILED: 'The query is not valid GraphQL, or has too many tokens.',
  GRAPHQL_VALIDATION_FAILED: 'The query does not fit the schema, or is too deep, wide or costly.',
  BAD_USER_INPUT: 'A variable does not fit its type.',
  SUBSCRIPTION_LIMIT_REACHED: 'Too many subscriptions on one connection, live connections of the account, or places watching its activity.',
  SUBSCRIBER_TOO_SLOW: 'A subscription whose client stopped reading while events kept coming: it ends; subscribe again and read the current state.',
  INTERNAL_SERVER_ERROR: 'Unexpected error: masked, and logged on the server.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
