/** Who caused the event: the account's SESSION, an API_TOKEN, the SYSTEM itself (expiry), or a secret SCANNER. */
export type AuditActorType =
  | 'API_TOKEN'
  | 'SCANNER'
  | 'SESSION'
  | 'SYSTEM';

/** What happened. REVOKED_TOKEN_PRESENTED is recorded at most once per token, client address and clock hour (UTC). */
export type AuditEventType =
  | 'EMAIL_CHANGED'
  | 'EMAIL_VERIFIED'
  | 'INVITATION_REVOKED'
  | 'MEMBER_INVITED'
  | 'MEMBER_JOINED'
  | 'MEMBER_LEFT'
  | 'MEMBER_REMOVED'
  | 'MEMBER_ROLE_CHANGED'
  | 'PASSWORD_RESET'
  | 'PASSWORD_RESET_REQUESTED'
  | 'PLAN_CANCELLED'
  | 'PLAN_CHANGED'
  | 'PLAN_CHOSEN'
  | 'QUOTA_REACHED'
  | 'QUOTA_WARNING'
  | 'RECOVERY_CODE_USED'
  | 'REVOKED_TOKEN_PRESENTED'
  | 'SESSION_EXPIRED'
  | 'SESSION_REVOKED'
  | 'SIGN_IN_FAILED'
  | 'SIGN_IN_SUCCEEDED'
  | 'SIGN_OUT'
  | 'SIGN_UP'
  | 'TEAM_CREATED'
  | 'TEAM_DELETED'
  | 'TEAM_TWO_FACTOR_POLICY_CHANGED'
  | 'TOKEN_DELETED'
  | 'TOKEN_DISABLED'
  | 'TOKEN_ENABLED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_EXPIRING'
  | 'TOKEN_GENERATED'
  | 'TOKEN_GRACE_ENDED'
  | 'TOKEN_LEAKED'
  | 'TOKEN_RENAMED'
  | 'TOKEN_RESTRICTED'
  | 'TOKEN_ROLLED'
  | 'TWO_FACTOR_DISABLED'
  | 'TWO_FACTOR_ENABLED'
  | 'WEBHOOK_ENDPOINT_CREATED'
  | 'WEBHOOK_ENDPOINT_DELETED'
  | 'WEBHOOK_ENDPOINT_DISABLED'
  | 'WEBHOOK_ENDPOINT_ENABLED'
  | 'WEBHOOK_SECRET_ROTATED';

/** The stable codes in an error's extensions.code. Messages may change; codes do not. */
export type ErrorCode =
  /** The token was deleted. */
  | 'API_TOKEN_DELETED'
  /** The token is disabled (disableToken); enableToken makes it work again. */
  | 'API_TOKEN_DISABLED'
  /** The token is past its expiry date. */
  | 'API_TOKEN_EXPIRED'
  /** A well-formed token that does not exist. */
  | 'API_TOKEN_INVALID'
  /** The request comes from an address outside the token allowlist: HTTP 403; nothing counted. */
  | 'API_TOKEN_IP_NOT_ALLOWED'
  /** Not a pgd_ token, or a failed checksum (a typo). */
  | 'API_TOKEN_MALFORMED'
  /** A document request without Authorization: Bearer. */
  | 'API_TOKEN_MISSING'
  /** A token asking to make or change a token looser than itself (a later expiry, other addresses, a higher monthly limit): HTTP 403. */
  | 'API_TOKEN_RESTRICTED'
  /** The secret was replaced by a roll and its grace period has ended. */
  | 'API_TOKEN_ROLLED'
  /** The API token lacks the scope the operation needs, or asks to give a token a scope it lacks itself: HTTP 403; extensions.scope names it. */
  | 'API_TOKEN_SCOPE_MISSING'
  /** auditEvents with an after cursor this service did not give out. */
  | 'AUDIT_CURSOR_INVALID'
  /** The HTTP request is malformed: invalid JSON, or a bad Content-Length. */
  | 'BAD_REQUEST'
  /** A variable does not fit its type. */
  | 'BAD_USER_INPUT'
  /** The database cannot serve right now; nothing was changed. HTTP 503 with Retry-After. */
  | 'DATABASE_UNAVAILABLE'
  /** The data is not a JSON object, or is nested too deep. */
  | 'DATA_INVALID'
  /** The data is over its size limit. */
  | 'DATA_TOO_LARGE'
  /** sendVerificationEmail when the address is verified already. */
  | 'EMAIL_ALREADY_VERIFIED'
  /** Sign-up with an email that is not an address. */
  | 'EMAIL_INVALID'
  /** A verification link past its 24 hours, or a reset link past its hour. */
  | 'EMAIL_LINK_EXPIRED'
  /** A verification or reset link that was used, replaced by a newer one, or mistyped; or one sent to an address the account no longer has. */
  | 'EMAIL_LINK_INVALID'
  /** Inviting to a team or accepting an invitation before verifying your e-mail address: HTTP 403. Follow the link we sent, or send a new one (sendVerificationEmail). */
  | 'EMAIL_NOT_VERIFIED'
  /** Sign-up with an email that already has an account. */
  | 'EMAIL_TAKEN'
  /** changeEmail to the address the account already has. */
  | 'EMAIL_UNCHANGED'
  /** GET /activity/export.csv with a time that is not ISO 8601 or an event type the schema does not list: HTTP 400. */
  | 'EXPORT_FILTER_INVALID'
  /** The query is not valid GraphQL, or has too many tokens. */
  | 'GRAPHQL_PARSE_FAILED'
  /** The query does not fit the schema, or is too deep, wide or costly. */
  | 'GRAPHQL_VALIDATION_FAILED'
  /** The Idempotency-Key header is empty, too long or not printable ASCII: HTTP 400. */
  | 'IDEMPOTENCY_KEY_INVALID'
  /** A request with this Idempotency-Key is still running: HTTP 409 with Retry-After; retry. */
  | 'IDEMPOTENCY_KEY_IN_USE'
  /** The Idempotency-Key was used with a different request within 24 hours: HTTP 422. */
  | 'IDEMPOTENCY_KEY_REUSED'
  /** Unexpected error: masked, and logged on the server. */
  | 'INTERNAL_SERVER_ERROR'
  /** Wrong email or password (the same answer for both). */
  | 'INVALID_CREDENTIALS'
  /** An invitation link past its 7 days. */
  | 'INVITATION_EXPIRED'
  /** inviteMember while the team has 50 pending invitations: revoke some first. */
  | 'INVITATION_LIMIT_REACHED'
  /** An invitation link or id that does not exist, or a pending invitation of another team. */
  | 'INVITATION_NOT_FOUND'
  /** An invitation link that was revoked. */
  | 'INVITATION_REVOKED'
  /** An invitation link that was already accepted: each link works once. */
  | 'INVITATION_USED'
  /** Inviting, or accepting an invitation for, someone who is already a member of the team. */
  | 'MEMBER_ALREADY_JOINED'
  /** changeMemberRole, removeMember or leaveTeam while the member’s role changed meanwhile: reload and try again. */
  | 'MEMBER_CHANGED'
  /** changeMemberRole or removeMember for someone who is not a member of the team. */
  | 'MEMBER_NOT_FOUND'
  /** setNotificationPreference turning off a security notice (a leaked token, a new sign-in): those are always sent. */
  | 'NOTIFICATION_REQUIRED'
  /** startTwoFactorEnrolment or disableTwoFactor with a password that is not the account’s. */
  | 'PASSWORD_INCORRECT'
  /** Sign-up with a password over the maximum length. */
  | 'PASSWORD_TOO_LONG'
  /** Sign-up with a password under the minimum length. */
  | 'PASSWORD_TOO_SHORT'
  /** choosePlan with an id that plans does not list. */
  | 'PLAN_NOT_FOUND'
  /** Generating or using a token, or watching live counts, without an active plan. */
  | 'PLAN_REQUIRED'
  /** The account used its plan's documents for this billing period: HTTP 429 with Retry-After; extensions.resetsAt says when it resets. */
  | 'QUOTA_EXCEEDED'
  /** A rate limit: HTTP 429 with Retry-After; extensions.retryAfter has the seconds. */
  | 'RATE_LIMITED'
  /** The template failed while rendering. */
  | 'RENDER_FAILED'
  /** The render produced more than its output limit. */
  | 'RENDER_OUTPUT_TOO_LARGE'
  /** The render ran past its time limit. */
  | 'RENDER_TIMEOUT'
  /** The request body is over its size limit: HTTP 413. */
  | 'REQUEST_ENTITY_TOO_LARGE'
  /** requestConnection with an after cursor this service did not give out. */
  | 'REQUEST_LOG_CURSOR_INVALID'
  /** The scanner public key list cannot be fetched; nothing was changed: HTTP 503, send again. */
  | 'SECRET_SCANNING_KEYS_UNAVAILABLE'
  /** A signed leak report that is not a JSON array of {token, type, url, source}: HTTP 400. */
  | 'SECRET_SCANNING_REPORT_INVALID'
  /** A leak report without a signature, or one that does not verify with the named scanner key: HTTP 401. */
  | 'SECRET_SCANNING_SIGNATURE_INVALID'
  /** The session expired, was signed out, or is not a valid session token. */
  | 'SESSION_EXPIRED'
  /** revokeSession with an id that is not a current session of the account. */
  | 'SESSION_NOT_FOUND'
  /** An operation only a dashboard session may do (plans, live subscriptions) with an API token. */
  | 'SESSION_REQUIRED'
  /** A subscription whose client stopped reading while events kept coming: it ends; subscribe again and read the current state. */
  | 'SUBSCRIBER_TOO_SLOW'
  /** Too many subscriptions on one connection, live connections of the account, or places watching its activity. */
  | 'SUBSCRIPTION_LIMIT_REACHED'
  /** createTeam by someone who already owns 10 teams (their personal team not counted). */
  | 'TEAM_LIMIT_REACHED'
  /** createTeam with a name that is empty after trimming, too long, or has control characters; deleteTeam with a name that is not the team’s. */
  | 'TEAM_NAME_INVALID'
  /** A team you are not a member of (the Pogodoc-Team header, or a team id): it looks the same as one that does not exist. */
  | 'TEAM_NOT_FOUND'
  /** A change that would leave the team without an owner: make another member an owner first. */
  | 'TEAM_OWNER_REQUIRED'
  /** Inviting to, or leaving, a personal team: it has only its owner. Create a team to work with others. */
  | 'TEAM_PERSONAL'
  /** Your role in the team does not allow the operation: HTTP 403; extensions.role names the least role that does. */
  | 'TEAM_ROLE_INSUFFICIENT'
  /** A request to a team that requires two-factor sign-in, by a member who has not turned it on: HTTP 403. */
  | 'TEAM_TWO_FACTOR_REQUIRED'
  /** The template does not parse, or uses an unknown filter. */
  | 'TEMPLATE_INVALID'
  /** The template is over its size limit. */
  | 'TEMPLATE_TOO_LARGE'
  /** A test-mode token made a document past the account's 1,000 test documents this month: HTTP 429 until the period resets. */
  | 'TEST_QUOTA_EXCEEDED'
  /** Deleting or rolling a deleted token. */
  | 'TOKEN_ALREADY_DELETED'
  /** Rolling a token that has expired. */
  | 'TOKEN_EXPIRED'
  /** generateToken or changeTokenExpiry with an expiry in the past, more than a year ahead, or both a preset and a date. */
  | 'TOKEN_EXPIRY_INVALID'
  /** changeTokenExpiry without expiresAt: give the new date, or null for never. */
  | 'TOKEN_EXPIRY_REQUIRED'
  /** updateToken with an allowlist entry that is not an IP address or CIDR, or with too many entries. */
  | 'TOKEN_IP_ALLOWLIST_INVALID'
  /** The token reached its monthly document limit: HTTP 429; extensions.resetsAt says when it resets. */
  | 'TOKEN_LIMIT_EXCEEDED'
  /** The account already has the most active tokens the tokenRules allow. */
  | 'TOKEN_LIMIT_REACHED'
  /** updateToken with a monthly document limit under 1 or over the plan quota. */
  | 'TOKEN_MONTHLY_LIMIT_INVALID'
  /** The token name has control characters or invisible format characters (zero-width, text-direction) outside an emoji. */
  | 'TOKEN_NAME_INVALID'
  /** The token name is empty after trimming. */
  | 'TOKEN_NAME_REQUIRED'
  /** The token name is longer than the tokenRules allow. */
  | 'TOKEN_NAME_TOO_LONG'
  /** Disabling, enabling or changing the expiry of a token that is deleted or expired: only a token of the Active tab can be. */
  | 'TOKEN_NOT_ACTIVE'
  /** No such token in your account (another account’s token looks the same). */
  | 'TOKEN_NOT_FOUND'
  /** endGracePeriod for a token whose previous secret is not in a grace period. */
  | 'TOKEN_NO_GRACE_PERIOD'
  /** updateToken with a rate limit per second or per minute under 1 or over the plan's. */
  | 'TOKEN_RATE_LIMIT_INVALID'
  /** generateToken or updateToken with an empty list of scopes. */
  | 'TOKEN_SCOPES_INVALID'
  /** startTwoFactorEnrolment while two-factor is on. */
  | 'TWO_FACTOR_ALREADY_ENABLED'
  /** A two-factor code that is wrong, expired, already used, or a recovery code that is unknown or used. */
  | 'TWO_FACTOR_INVALID'
  /** disableTwoFactor while two-factor is off. */
  | 'TWO_FACTOR_NOT_ENABLED'
  /** confirmTwoFactor without an enrolment started. */
  | 'TWO_FACTOR_NOT_ENROLLING'
  /** signIn with the right password for an account with two-factor on, without a code. */
  | 'TWO_FACTOR_REQUIRED'
  /** A dashboard operation without a session. */
  | 'UNAUTHENTICATED'
  /** A usage query whose range ends before it starts, or asks for too many points. */
  | 'USAGE_RANGE_INVALID'
  /** sendTestWebhook or retryWebhookMessage for a disabled endpoint; enable it first. */
  | 'WEBHOOK_ENDPOINT_DISABLED'
  /** The account already has its 10 webhook endpoints; delete one first. */
  | 'WEBHOOK_ENDPOINT_LIMIT_REACHED'
  /** A webhook endpoint with no events, or an event type that does not exist. */
  | 'WEBHOOK_EVENTS_INVALID'
  /** No such webhook endpoint or message in your account. */
  | 'WEBHOOK_NOT_FOUND'
  /** A webhook URL whose host does not resolve, or reaches a loopback, private, link-local or metadata address (the SSRF guard). */
  | 'WEBHOOK_URL_FORBIDDEN'
  /** A webhook URL that is not an https:// URL, carries credentials, or is over 2048 characters. */
  | 'WEBHOOK_URL_INVALID';

/** A kind of notification sent by mail. TOKEN_LEAKED and NEW_SIGN_IN are security notices: always sent. */
export type NotificationKind =
  | 'MEMBER_JOINED'
  | 'NEW_SIGN_IN'
  | 'QUOTA_REACHED'
  | 'QUOTA_WARNING'
  | 'REMOVED_FROM_TEAM'
  | 'REVOKED_TOKEN_USED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_EXPIRING'
  | 'TOKEN_LEAKED';

/** How long the secret a roll replaces keeps working. NONE stops it at once (for a leaked secret). */
export type RollGracePeriod =
  | 'NONE'
  | 'ONE_DAY'
  | 'ONE_HOUR'
  | 'SEVEN_DAYS';

/** A member’s role in a team. Nobody gives anyone a role above their own, and a team always keeps an owner. */
export type TeamRole =
  /** Tokens and webhooks; invites, changes and removes members below owner. */
  | 'ADMIN'
  /** Generates, rolls and deletes tokens; reads usage and activity. */
  | 'DEVELOPER'
  /** Everything: the plan, the team itself, and every member, owners included. */
  | 'OWNER'
  /** Reads tokens (never a secret), usage and activity. */
  | 'VIEWER';

/** When a new token expires: never (the default) or a number of days after it is generated. generateToken also takes a date up to 365 days ahead. */
export type TokenExpiry =
  | 'DAYS_7'
  | 'DAYS_30'
  | 'DAYS_60'
  | 'DAYS_90'
  | 'NEVER';

/** LIVE tokens make real documents. TEST tokens (secrets start pgd_test_) are for test suites and CI: their documents carry a watermark, use none of the quota, and have a small rate limit (10 a second, 300 a minute). Chosen when a token is made; never changed, not even by a roll. */
export type TokenMode =
  | 'LIVE'
  | 'TEST';

/** What an API token may do. With Authorization: Bearer <token>, a token calls exactly the operations its scopes allow, in its own account. */
export type TokenScope =
  /** Read the activity log. */
  | 'AUDIT_READ'
  /** Make documents with renderDocument. What every token could do before scopes. */
  | 'DOCUMENTS_RENDER'
  /** List and read the account’s tokens (never a secret). */
  | 'TOKENS_READ'
  /** Generate, update, roll and delete tokens, with at most this token’s own scopes. */
  | 'TOKENS_WRITE'
  /** Read usage and the current billing period. */
  | 'USAGE_READ'
  /** List, create and change webhook endpoints, and read their deliveries. */
  | 'WEBHOOKS_WRITE';

/** The two tabs of the API Tokens page (ACTIVE, DELETED), and the expired tokens the DELETED tab also lists. */
export type TokenStatus =
  /** Currently usable tokens. */
  | 'ACTIVE'
  /** Previously deleted tokens, kept for audit, and expired ones (as a tab). They never work again. */
  | 'DELETED'
  /** Tokens past their expiresAt. They never work again and no longer count toward the limit. */
  | 'EXPIRED';

/** The size of one usage bucket: an hour or a day, in UTC. */
export type UsageGranularity =
  /** Daily buckets, kept for good; a query covers at most 366 days. */
  | 'DAY'
  /** Hourly buckets, kept for 90 days; a query covers at most 2160 hours. */
  | 'HOUR';
