/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Viewer {\n    viewer {\n      id\n      email\n      name\n      personal\n      ...AccountPlanState\n    }\n    tokenRules {\n      nameMaxLength\n      maxActiveTokens\n    }\n    plans {\n      id\n      name\n      monthlyPriceCents\n      monthlyDocumentQuota\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": typeof types.SignOutDocument,
    "\n  mutation AcceptInvitation($secret: String!) {\n    acceptInvitation(secret: $secret) {\n      role\n      team {\n        id\n        name\n      }\n    }\n  }\n": typeof types.AcceptInvitationDocument,
    "\n  fragment ActivityEventFields on AuditEvent {\n    id\n    type\n    actorType\n    actorId\n    actorUserId\n    actorEmail\n    tokenId\n    token {\n      id\n      name\n    }\n    clientAddress\n    userAgent\n    details\n    createdAt\n  }\n": typeof types.ActivityEventFieldsFragmentDoc,
    "\n  query ActivityEvents($first: Int, $after: String, $types: [AuditEventType!], $tokenId: ID, $actorUserId: ID, $from: DateTime, $to: DateTime) {\n    auditEventConnection(first: $first, after: $after, types: $types, tokenId: $tokenId, actorUserId: $actorUserId, from: $from, to: $to) {\n      edges {\n        node {\n          ...ActivityEventFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ActivityEventsDocument,
    "\n  subscription LiveActivity($types: [AuditEventType!]) {\n    auditEvents(types: $types) {\n      ...ActivityEventFields\n    }\n  }\n": typeof types.LiveActivityDocument,
    "\n  query ActivityChoices {\n    viewer {\n      id\n      name\n      personal\n    }\n    plans {\n      id\n      name\n    }\n    activeTokens: tokens(status: ACTIVE) {\n      id\n      name\n    }\n    deletedTokens: tokens(status: DELETED) {\n      id\n      name\n    }\n  }\n": typeof types.ActivityChoicesDocument,
    "\n  query ActivityMembers {\n    teamMembers {\n      userId\n      email\n      role\n    }\n  }\n": typeof types.ActivityMembersDocument,
    "\n  query ActivityToken($id: ID!) {\n    token(id: $id) {\n      id\n      name\n    }\n  }\n": typeof types.ActivityTokenDocument,
    "\n  mutation SignIn($email: String!, $password: String!, $twoFactorCode: String) {\n    signIn(email: $email, password: $password, twoFactorCode: $twoFactorCode) {\n      expiresAt\n      account {\n        id\n      }\n    }\n  }\n": typeof types.SignInDocument,
    "\n  mutation SignUp($email: String!, $password: String!) {\n    signUp(email: $email, password: $password) {\n      expiresAt\n      account {\n        id\n      }\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n": typeof types.RequestPasswordResetDocument,
    "\n  mutation CancelPlan {\n    cancelPlan {\n      id\n      ...AccountPlanState\n    }\n  }\n": typeof types.CancelPlanDocument,
    "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token)\n  }\n": typeof types.VerifyEmailDocument,
    "\n  mutation ResetPassword($token: String!, $password: String!) {\n    resetPassword(token: $token, password: $password)\n  }\n": typeof types.ResetPasswordDocument,
    "\n  query EmailState {\n    me {\n      id\n      email\n      emailVerified\n    }\n  }\n": typeof types.EmailStateDocument,
    "\n  mutation SendVerificationEmail {\n    sendVerificationEmail\n  }\n": typeof types.SendVerificationEmailDocument,
    "\n  mutation GenerateToken(\n    $name: String!\n    $expiresIn: TokenExpiry\n    $expiresAt: DateTime\n    $scopes: [TokenScope!]\n    $mode: TokenMode\n    $allowedIps: [String!]\n    $monthlyDocumentLimit: Int\n  ) {\n    generateToken(\n      name: $name\n      expiresIn: $expiresIn\n      expiresAt: $expiresAt\n      scopes: $scopes\n      mode: $mode\n      allowedIps: $allowedIps\n      monthlyDocumentLimit: $monthlyDocumentLimit\n    ) {\n      secret\n      token {\n        ...TokenRow\n        scopes\n        allowedIps\n        monthlyDocumentLimit\n      }\n    }\n  }\n": typeof types.GenerateTokenDocument,
    "\n  query PreviousSecretUse($id: ID!) {\n    token(id: $id) {\n      id\n      previousSecretWorksUntil\n      previousSecretUse {\n        documentCount\n        lastUsedAt\n        lastUsedAddress\n        lastUsedUserAgent\n      }\n    }\n  }\n": typeof types.PreviousSecretUseDocument,
    "\n  query LeakedTokens($first: Int!) {\n    auditEventConnection(types: [TOKEN_LEAKED], first: $first) {\n      edges {\n        node {\n          id\n          token {\n            id\n            name\n            leak {\n              reportedAt\n              url\n              source\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.LeakedTokensDocument,
    "\n  subscription LiveLeaks {\n    auditEvents(types: [TOKEN_LEAKED]) {\n      id\n    }\n  }\n": typeof types.LiveLeaksDocument,
    "\n  subscription LiveTokenEvents {\n    auditEvents(\n      types: [\n        TOKEN_GENERATED\n        TOKEN_DELETED\n        TOKEN_ROLLED\n        TOKEN_RENAMED\n        TOKEN_RESTRICTED\n        TOKEN_EXPIRED\n        TOKEN_DISABLED\n        TOKEN_ENABLED\n      ]\n    ) {\n      id\n      type\n      tokenId\n    }\n  }\n": typeof types.LiveTokenEventsDocument,
    "\n  query NotificationSettings {\n    me {\n      id\n      email\n      emailVerified\n    }\n    notificationPreferences {\n      kind\n      enabled\n      canTurnOff\n    }\n  }\n": typeof types.NotificationSettingsDocument,
    "\n  mutation SetNotificationPreference($kind: NotificationKind!, $enabled: Boolean!) {\n    setNotificationPreference(kind: $kind, enabled: $enabled) {\n      kind\n      enabled\n      canTurnOff\n    }\n  }\n": typeof types.SetNotificationPreferenceDocument,
    "\n  mutation ChangeEmail($email: String!, $password: String!) {\n    changeEmail(email: $email, password: $password) {\n      id\n      email\n      emailVerified\n    }\n  }\n": typeof types.ChangeEmailDocument,
    "\n  mutation ChoosePlan($planId: ID!) {\n    choosePlan(planId: $planId) {\n      id\n      ...AccountPlanState\n    }\n  }\n": typeof types.ChoosePlanDocument,
    "\n  query Security {\n    me {\n      id\n      twoFactorEnabled\n      recoveryCodesLeft\n    }\n    sessions {\n      id\n      current\n      createdAt\n      lastSeenAt\n      clientAddress\n      userAgent\n    }\n  }\n": typeof types.SecurityDocument,
    "\n  mutation StartTwoFactorEnrolment($password: String!) {\n    startTwoFactorEnrolment(password: $password) {\n      secret\n      qrCodeSvg\n    }\n  }\n": typeof types.StartTwoFactorEnrolmentDocument,
    "\n  mutation ConfirmTwoFactor($code: String!) {\n    confirmTwoFactor(code: $code)\n  }\n": typeof types.ConfirmTwoFactorDocument,
    "\n  mutation DisableTwoFactor($code: String!, $password: String!) {\n    disableTwoFactor(code: $code, password: $password)\n  }\n": typeof types.DisableTwoFactorDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n": typeof types.RevokeSessionDocument,
    "\n  mutation RevokeOtherSessions {\n    revokeOtherSessions\n  }\n": typeof types.RevokeOtherSessionsDocument,
    "\n  query TeamSection {\n    viewer {\n      id\n      name\n      personal\n      twoFactorRequired\n    }\n    me {\n      id\n    }\n    teamRole\n    teamMembers {\n      userId\n      email\n      role\n      joinedAt\n    }\n    teamInvitations {\n      id\n      email\n      role\n      expiresAt\n    }\n  }\n": typeof types.TeamSectionDocument,
    "\n  mutation CreateTeam($name: String!) {\n    createTeam(name: $name) {\n      id\n    }\n  }\n": typeof types.CreateTeamDocument,
    "\n  mutation InviteMember($email: String!, $role: TeamRole!) {\n    inviteMember(email: $email, role: $role) {\n      secret\n      invitation {\n        id\n        email\n      }\n    }\n  }\n": typeof types.InviteMemberDocument,
    "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id)\n  }\n": typeof types.RevokeInvitationDocument,
    "\n  mutation ChangeMemberRole($userId: ID!, $role: TeamRole!) {\n    changeMemberRole(userId: $userId, role: $role) {\n      userId\n      role\n    }\n  }\n": typeof types.ChangeMemberRoleDocument,
    "\n  mutation RemoveMember($userId: ID!) {\n    removeMember(userId: $userId)\n  }\n": typeof types.RemoveMemberDocument,
    "\n  mutation LeaveTeam($teamId: ID!) {\n    leaveTeam(teamId: $teamId)\n  }\n": typeof types.LeaveTeamDocument,
    "\n  mutation RequireTwoFactor($required: Boolean!) {\n    requireTwoFactor(required: $required) {\n      id\n      twoFactorRequired\n    }\n  }\n": typeof types.RequireTwoFactorDocument,
    "\n  mutation DeleteTeam($name: String!) {\n    deleteTeam(name: $name)\n  }\n": typeof types.DeleteTeamDocument,
    "\n  query Teams {\n    teams {\n      role\n      team {\n        id\n        name\n        email\n        personal\n      }\n    }\n  }\n": typeof types.TeamsDocument,
    "\n  mutation DeleteTokenFromDetails($id: ID!) {\n    deleteToken(id: $id) {\n      ...TokenRow\n    }\n  }\n": typeof types.DeleteTokenFromDetailsDocument,
    "\n  mutation RollToken($id: ID!, $gracePeriod: RollGracePeriod!) {\n    rollToken(id: $id, gracePeriod: $gracePeriod) {\n      secret\n      token {\n        id\n        preview\n        previousSecretWorksUntil\n        previousSecretUse {\n          documentCount\n          lastUsedAt\n          lastUsedAddress\n          lastUsedUserAgent\n        }\n      }\n    }\n  }\n": typeof types.RollTokenDocument,
    "\n  query TokenDetails($id: ID!) {\n    token(id: $id) {\n      id\n      name\n      preview\n      status\n      disabledAt\n      documentCount\n      documentsThisMonth\n      monthlyDocumentLimit\n      allowedIps\n      expiresAt\n      previousSecretWorksUntil\n      previousSecretUse {\n        documentCount\n        lastUsedAt\n        lastUsedAddress\n        lastUsedUserAgent\n      }\n      lastUsedAt\n      lastUsedAddress\n      lastUsedUserAgent\n      mode\n      rateLimitPerSecond\n      rateLimitPerMinute\n      rateLimit {\n        perSecond\n        perMinute\n      }\n      rateLimitCeiling {\n        perSecond\n        perMinute\n      }\n    }\n  }\n": typeof types.TokenDetailsDocument,
    "\n  mutation UpdateTokenDetails($id: ID!, $name: String, $allowedIps: [String!], $monthlyDocumentLimit: Int) {\n    updateToken(id: $id, name: $name, allowedIps: $allowedIps, monthlyDocumentLimit: $monthlyDocumentLimit) {\n      id\n      name\n      allowedIps\n      monthlyDocumentLimit\n      documentsThisMonth\n    }\n  }\n": typeof types.UpdateTokenDetailsDocument,
    "\n  mutation DisableToken($id: ID!) {\n    disableToken(id: $id) {\n      id\n      disabledAt\n      status\n    }\n  }\n": typeof types.DisableTokenDocument,
    "\n  mutation EnableToken($id: ID!) {\n    enableToken(id: $id) {\n      id\n      disabledAt\n      status\n    }\n  }\n": typeof types.EnableTokenDocument,
    "\n  mutation ChangeTokenExpiry($id: ID!, $expiresAt: DateTime) {\n    changeTokenExpiry(id: $id, expiresAt: $expiresAt) {\n      id\n      expiresAt\n      status\n    }\n  }\n": typeof types.ChangeTokenExpiryDocument,
    "\n  mutation UpdateTokenRateLimit($id: ID!, $rateLimitPerSecond: Int, $rateLimitPerMinute: Int) {\n    updateToken(id: $id, rateLimitPerSecond: $rateLimitPerSecond, rateLimitPerMinute: $rateLimitPerMinute) {\n      id\n      rateLimitPerSecond\n      rateLimitPerMinute\n      rateLimit {\n        perSecond\n        perMinute\n      }\n      rateLimitCeiling {\n        perSecond\n        perMinute\n      }\n    }\n  }\n": typeof types.UpdateTokenRateLimitDocument,
    "\n  fragment RequestLogFields on RequestLogEntry {\n    id\n    tokenId\n    at\n    operation\n    outcome\n    httpStatus\n    clientAddress\n    userAgent\n    durationMs\n    requestId\n  }\n": typeof types.RequestLogFieldsFragmentDoc,
    "\n  query TokenRequests($tokenId: ID!, $refusedOnly: Boolean, $first: Int, $after: String) {\n    requestConnection(tokenId: $tokenId, refusedOnly: $refusedOnly, first: $first, after: $after) {\n      edges {\n        node {\n          ...RequestLogFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.TokenRequestsDocument,
    "\n  query TokenRequestSummary($tokenId: ID!, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {\n    requestSummary(tokenId: $tokenId, from: $from, to: $to, granularity: $granularity) {\n      okCount\n      refusedCount\n      refusals {\n        outcome\n        count\n      }\n      buckets {\n        at\n        okCount\n        refusals {\n          outcome\n          count\n        }\n      }\n    }\n  }\n": typeof types.TokenRequestSummaryDocument,
    "\n  subscription LiveTokenRequests($tokenId: ID!) {\n    requestLogged(tokenId: $tokenId) {\n      ...RequestLogFields\n    }\n  }\n": typeof types.LiveTokenRequestsDocument,
    "\n  mutation DeleteToken($id: ID!) {\n    deleteToken(id: $id) {\n      ...TokenRow\n    }\n  }\n": typeof types.DeleteTokenDocument,
    "\n  query TokenUsage($tokenId: ID!, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {\n    usage(tokenId: $tokenId, from: $from, to: $to, granularity: $granularity) {\n      at\n      documentCount\n    }\n  }\n": typeof types.TokenUsageDocument,
    "\n  subscription LiveDocumentCounts {\n    documentCount {\n      tokenId\n      documentCount\n      lastUsedAt\n      period\n      periodDocumentCount\n    }\n  }\n": typeof types.LiveDocumentCountsDocument,
    "\n  mutation CreateWebhookEndpoint($url: String!, $events: [String!]!) {\n    createWebhookEndpoint(url: $url, events: $events) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n": typeof types.CreateWebhookEndpointDocument,
    "\n  fragment WebhookDelivery on WebhookMessage {\n    id\n    eventType\n    createdAt\n    nextAttemptAt\n    attemptCount\n    deliveredAt\n    failedAt\n    failureReason\n    attempts {\n      responseStatus\n      error\n      durationMs\n    }\n  }\n": typeof types.WebhookDeliveryFragmentDoc,
    "\n  fragment WebhookEndpointFields on WebhookEndpoint {\n    id\n    url\n    events\n    createdAt\n    disabledAt\n    previousSecretSignsUntil\n  }\n": typeof types.WebhookEndpointFieldsFragmentDoc,
    "\n  mutation SendTestWebhook($id: ID!) {\n    sendTestWebhook(id: $id) {\n      ...WebhookDelivery\n    }\n  }\n": typeof types.SendTestWebhookDocument,
    "\n  mutation RotateWebhookSecret($id: ID!) {\n    rotateWebhookSecret(id: $id) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n": typeof types.RotateWebhookSecretDocument,
    "\n  mutation DisableWebhookEndpoint($id: ID!) {\n    disableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n": typeof types.DisableWebhookEndpointDocument,
    "\n  mutation EnableWebhookEndpoint($id: ID!) {\n    enableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n": typeof types.EnableWebhookEndpointDocument,
    "\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id)\n  }\n": typeof types.DeleteWebhookEndpointDocument,
    "\n  mutation RetryWebhookMessage($id: ID!) {\n    retryWebhookMessage(id: $id)\n  }\n": typeof types.RetryWebhookMessageDocument,
    "\n  query WebhookEndpoints {\n    webhookEndpoints {\n      ...WebhookEndpointFields\n      messages(first: 10) {\n        ...WebhookDelivery\n      }\n    }\n  }\n": typeof types.WebhookEndpointsDocument,
    "\n  fragment TokenRow on ApiToken {\n    id\n    name\n    preview\n    createdAt\n    documentCount\n    lastUsedAt\n    deletedAt\n    disabledAt\n    expiresAt\n    status\n    mode\n    leak {\n      reportedAt\n      url\n      source\n    }\n  }\n": typeof types.TokenRowFragmentDoc,
    "\n  query Tokens($status: TokenStatus!) {\n    tokens(status: $status) {\n      ...TokenRow\n    }\n  }\n": typeof types.TokensDocument,
    "\n  query DeletedTokens($first: Int!, $after: String) {\n    tokenConnection(status: DELETED, first: $first, after: $after) {\n      totalCount\n      edges {\n        cursor\n        node {\n          ...TokenRow\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.DeletedTokensDocument,
    "\n  fragment AccountPlanState on Account {\n    id\n    planActive\n    planCancelledAt\n    plan {\n      id\n      name\n      monthlyPriceCents\n      monthlyDocumentQuota\n    }\n    tokensPaused {\n      reason\n      message\n    }\n    currentPeriod {\n      ...BillingPeriodFields\n    }\n  }\n": typeof types.AccountPlanStateFragmentDoc,
    "\n  fragment BillingPeriodFields on BillingPeriod {\n    period\n    used\n    quota\n    warningAt\n    resetsAt\n  }\n": typeof types.BillingPeriodFieldsFragmentDoc,
    "\n  query CurrentPeriod {\n    viewer {\n      id\n      currentPeriod {\n        ...BillingPeriodFields\n      }\n    }\n  }\n": typeof types.CurrentPeriodDocument,
    "\n  fragment LiveCount on ApiToken {\n    id\n    documentCount\n    lastUsedAt\n  }\n": typeof types.LiveCountFragmentDoc,
};
const documents: Documents = {
    "\n  query Viewer {\n    viewer {\n      id\n      email\n      name\n      personal\n      ...AccountPlanState\n    }\n    tokenRules {\n      nameMaxLength\n      maxActiveTokens\n    }\n    plans {\n      id\n      name\n      monthlyPriceCents\n      monthlyDocumentQuota\n    }\n  }\n": types.ViewerDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": types.SignOutDocument,
    "\n  mutation AcceptInvitation($secret: String!) {\n    acceptInvitation(secret: $secret) {\n      role\n      team {\n        id\n        name\n      }\n    }\n  }\n": types.AcceptInvitationDocument,
    "\n  fragment ActivityEventFields on AuditEvent {\n    id\n    type\n    actorType\n    actorId\n    actorUserId\n    actorEmail\n    tokenId\n    token {\n      id\n      name\n    }\n    clientAddress\n    userAgent\n    details\n    createdAt\n  }\n": types.ActivityEventFieldsFragmentDoc,
    "\n  query ActivityEvents($first: Int, $after: String, $types: [AuditEventType!], $tokenId: ID, $actorUserId: ID, $from: DateTime, $to: DateTime) {\n    auditEventConnection(first: $first, after: $after, types: $types, tokenId: $tokenId, actorUserId: $actorUserId, from: $from, to: $to) {\n      edges {\n        node {\n          ...ActivityEventFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ActivityEventsDocument,
    "\n  subscription LiveActivity($types: [AuditEventType!]) {\n    auditEvents(types: $types) {\n      ...ActivityEventFields\n    }\n  }\n": types.LiveActivityDocument,
    "\n  query ActivityChoices {\n    viewer {\n      id\n      name\n      personal\n    }\n    plans {\n      id\n      name\n    }\n    activeTokens: tokens(status: ACTIVE) {\n      id\n      name\n    }\n    deletedTokens: tokens(status: DELETED) {\n      id\n      name\n    }\n  }\n": types.ActivityChoicesDocument,
    "\n  query ActivityMembers {\n    teamMembers {\n      userId\n      email\n      role\n    }\n  }\n": types.ActivityMembersDocument,
    "\n  query ActivityToken($id: ID!) {\n    token(id: $id) {\n      id\n      name\n    }\n  }\n": types.ActivityTokenDocument,
    "\n  mutation SignIn($email: String!, $password: String!, $twoFactorCode: String) {\n    signIn(email: $email, password: $password, twoFactorCode: $twoFactorCode) {\n      expiresAt\n      account {\n        id\n      }\n    }\n  }\n": types.SignInDocument,
    "\n  mutation SignUp($email: String!, $password: String!) {\n    signUp(email: $email, password: $password) {\n      expiresAt\n      account {\n        id\n      }\n    }\n  }\n": types.SignUpDocument,
    "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n": types.RequestPasswordResetDocument,
    "\n  mutation CancelPlan {\n    cancelPlan {\n      id\n      ...AccountPlanState\n    }\n  }\n": types.CancelPlanDocument,
    "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token)\n  }\n": types.VerifyEmailDocument,
    "\n  mutation ResetPassword($token: String!, $password: String!) {\n    resetPassword(token: $token, password: $password)\n  }\n": types.ResetPasswordDocument,
    "\n  query EmailState {\n    me {\n      id\n      email\n      emailVerified\n    }\n  }\n": types.EmailStateDocument,
    "\n  mutation SendVerificationEmail {\n    sendVerificationEmail\n  }\n": types.SendVerificationEmailDocument,
    "\n  mutation GenerateToken(\n    $name: String!\n    $expiresIn: TokenExpiry\n    $expiresAt: DateTime\n    $scopes: [TokenScope!]\n    $mode: TokenMode\n    $allowedIps: [String!]\n    $monthlyDocumentLimit: Int\n  ) {\n    generateToken(\n      name: $name\n      expiresIn: $expiresIn\n      expiresAt: $expiresAt\n      scopes: $scopes\n      mode: $mode\n      allowedIps: $allowedIps\n      monthlyDocumentLimit: $monthlyDocumentLimit\n    ) {\n      secret\n      token {\n        ...TokenRow\n        scopes\n        allowedIps\n        monthlyDocumentLimit\n      }\n    }\n  }\n": types.GenerateTokenDocument,
    "\n  query PreviousSecretUse($id: ID!) {\n    token(id: $id) {\n      id\n      previousSecretWorksUntil\n      previousSecretUse {\n        documentCount\n        lastUsedAt\n        lastUsedAddress\n        lastUsedUserAgent\n      }\n    }\n  }\n": types.PreviousSecretUseDocument,
    "\n  query LeakedTokens($first: Int!) {\n    auditEventConnection(types: [TOKEN_LEAKED], first: $first) {\n      edges {\n        node {\n          id\n          token {\n            id\n            name\n            leak {\n              reportedAt\n              url\n              source\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.LeakedTokensDocument,
    "\n  subscription LiveLeaks {\n    auditEvents(types: [TOKEN_LEAKED]) {\n      id\n    }\n  }\n": types.LiveLeaksDocument,
    "\n  subscription LiveTokenEvents {\n    auditEvents(\n      types: [\n        TOKEN_GENERATED\n        TOKEN_DELETED\n        TOKEN_ROLLED\n        TOKEN_RENAMED\n        TOKEN_RESTRICTED\n        TOKEN_EXPIRED\n        TOKEN_DISABLED\n        TOKEN_ENABLED\n      ]\n    ) {\n      id\n      type\n      tokenId\n    }\n  }\n": types.LiveTokenEventsDocument,
    "\n  query NotificationSettings {\n    me {\n      id\n      email\n      emailVerified\n    }\n    notificationPreferences {\n      kind\n      enabled\n      canTurnOff\n    }\n  }\n": types.NotificationSettingsDocument,
    "\n  mutation SetNotificationPreference($kind: NotificationKind!, $enabled: Boolean!) {\n    setNotificationPreference(kind: $kind, enabled: $enabled) {\n      kind\n      enabled\n      canTurnOff\n    }\n  }\n": types.SetNotificationPreferenceDocument,
    "\n  mutation ChangeEmail($email: String!, $password: String!) {\n    changeEmail(email: $email, password: $password) {\n      id\n      email\n      emailVerified\n    }\n  }\n": types.ChangeEmailDocument,
    "\n  mutation ChoosePlan($planId: ID!) {\n    choosePlan(planId: $planId) {\n      id\n      ...AccountPlanState\n    }\n  }\n": types.ChoosePlanDocument,
    "\n  query Security {\n    me {\n      id\n      twoFactorEnabled\n      recoveryCodesLeft\n    }\n    sessions {\n      id\n      current\n      createdAt\n      lastSeenAt\n      clientAddress\n      userAgent\n    }\n  }\n": types.SecurityDocument,
    "\n  mutation StartTwoFactorEnrolment($password: String!) {\n    startTwoFactorEnrolment(password: $password) {\n      secret\n      qrCodeSvg\n    }\n  }\n": types.StartTwoFactorEnrolmentDocument,
    "\n  mutation ConfirmTwoFactor($code: String!) {\n    confirmTwoFactor(code: $code)\n  }\n": types.ConfirmTwoFactorDocument,
    "\n  mutation DisableTwoFactor($code: String!, $password: String!) {\n    disableTwoFactor(code: $code, password: $password)\n  }\n": types.DisableTwoFactorDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n": types.RevokeSessionDocument,
    "\n  mutation RevokeOtherSessions {\n    revokeOtherSessions\n  }\n": types.RevokeOtherSessionsDocument,
    "\n  query TeamSection {\n    viewer {\n      id\n      name\n      personal\n      twoFactorRequired\n    }\n    me {\n      id\n    }\n    teamRole\n    teamMembers {\n      userId\n      email\n      role\n      joinedAt\n    }\n    teamInvitations {\n      id\n      email\n      role\n      expiresAt\n    }\n  }\n": types.TeamSectionDocument,
    "\n  mutation CreateTeam($name: String!) {\n    createTeam(name: $name) {\n      id\n    }\n  }\n": types.CreateTeamDocument,
    "\n  mutation InviteMember($email: String!, $role: TeamRole!) {\n    inviteMember(email: $email, role: $role) {\n      secret\n      invitation {\n        id\n        email\n      }\n    }\n  }\n": types.InviteMemberDocument,
    "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id)\n  }\n": types.RevokeInvitationDocument,
    "\n  mutation ChangeMemberRole($userId: ID!, $role: TeamRole!) {\n    changeMemberRole(userId: $userId, role: $role) {\n      userId\n      role\n    }\n  }\n": types.ChangeMemberRoleDocument,
    "\n  mutation RemoveMember($userId: ID!) {\n    removeMember(userId: $userId)\n  }\n": types.RemoveMemberDocument,
    "\n  mutation LeaveTeam($teamId: ID!) {\n    leaveTeam(teamId: $teamId)\n  }\n": types.LeaveTeamDocument,
    "\n  mutation RequireTwoFactor($required: Boolean!) {\n    requireTwoFactor(required: $required) {\n      id\n      twoFactorRequired\n    }\n  }\n": types.RequireTwoFactorDocument,
    "\n  mutation DeleteTeam($name: String!) {\n    deleteTeam(name: $name)\n  }\n": types.DeleteTeamDocument,
    "\n  query Teams {\n    teams {\n      role\n      team {\n        id\n        name\n        email\n        personal\n      }\n    }\n  }\n": types.TeamsDocument,
    "\n  mutation DeleteTokenFromDetails($id: ID!) {\n    deleteToken(id: $id) {\n      ...TokenRow\n    }\n  }\n": types.DeleteTokenFromDetailsDocument,
    "\n  mutation RollToken($id: ID!, $gracePeriod: RollGracePeriod!) {\n    rollToken(id: $id, gracePeriod: $gracePeriod) {\n      secret\n      token {\n        id\n        preview\n        previousSecretWorksUntil\n        previousSecretUse {\n          documentCount\n          lastUsedAt\n          lastUsedAddress\n          lastUsedUserAgent\n        }\n      }\n    }\n  }\n": types.RollTokenDocument,
    "\n  query TokenDetails($id: ID!) {\n    token(id: $id) {\n      id\n      name\n      preview\n      status\n      disabledAt\n      documentCount\n      documentsThisMonth\n      monthlyDocumentLimit\n      allowedIps\n      expiresAt\n      previousSecretWorksUntil\n      previousSecretUse {\n        documentCount\n        lastUsedAt\n        lastUsedAddress\n        lastUsedUserAgent\n      }\n      lastUsedAt\n      lastUsedAddress\n      lastUsedUserAgent\n      mode\n      rateLimitPerSecond\n      rateLimitPerMinute\n      rateLimit {\n        perSecond\n        perMinute\n      }\n      rateLimitCeiling {\n        perSecond\n        perMinute\n      }\n    }\n  }\n": types.TokenDetailsDocument,
    "\n  mutation UpdateTokenDetails($id: ID!, $name: String, $allowedIps: [String!], $monthlyDocumentLimit: Int) {\n    updateToken(id: $id, name: $name, allowedIps: $allowedIps, monthlyDocumentLimit: $monthlyDocumentLimit) {\n      id\n      name\n      allowedIps\n      monthlyDocumentLimit\n      documentsThisMonth\n    }\n  }\n": types.UpdateTokenDetailsDocument,
    "\n  mutation DisableToken($id: ID!) {\n    disableToken(id: $id) {\n      id\n      disabledAt\n      status\n    }\n  }\n": types.DisableTokenDocument,
    "\n  mutation EnableToken($id: ID!) {\n    enableToken(id: $id) {\n      id\n      disabledAt\n      status\n    }\n  }\n": types.EnableTokenDocument,
    "\n  mutation ChangeTokenExpiry($id: ID!, $expiresAt: DateTime) {\n    changeTokenExpiry(id: $id, expiresAt: $expiresAt) {\n      id\n      expiresAt\n      status\n    }\n  }\n": types.ChangeTokenExpiryDocument,
    "\n  mutation UpdateTokenRateLimit($id: ID!, $rateLimitPerSecond: Int, $rateLimitPerMinute: Int) {\n    updateToken(id: $id, rateLimitPerSecond: $rateLimitPerSecond, rateLimitPerMinute: $rateLimitPerMinute) {\n      id\n      rateLimitPerSecond\n      rateLimitPerMinute\n      rateLimit {\n        perSecond\n        perMinute\n      }\n      rateLimitCeiling {\n        perSecond\n        perMinute\n      }\n    }\n  }\n": types.UpdateTokenRateLimitDocument,
    "\n  fragment RequestLogFields on RequestLogEntry {\n    id\n    tokenId\n    at\n    operation\n    outcome\n    httpStatus\n    clientAddress\n    userAgent\n    durationMs\n    requestId\n  }\n": types.RequestLogFieldsFragmentDoc,
    "\n  query TokenRequests($tokenId: ID!, $refusedOnly: Boolean, $first: Int, $after: String) {\n    requestConnection(tokenId: $tokenId, refusedOnly: $refusedOnly, first: $first, after: $after) {\n      edges {\n        node {\n          ...RequestLogFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.TokenRequestsDocument,
    "\n  query TokenRequestSummary($tokenId: ID!, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {\n    requestSummary(tokenId: $tokenId, from: $from, to: $to, granularity: $granularity) {\n      okCount\n      refusedCount\n      refusals {\n        outcome\n        count\n      }\n      buckets {\n        at\n        okCount\n        refusals {\n          outcome\n          count\n        }\n      }\n    }\n  }\n": types.TokenRequestSummaryDocument,
    "\n  subscription LiveTokenRequests($tokenId: ID!) {\n    requestLogged(tokenId: $tokenId) {\n      ...RequestLogFields\n    }\n  }\n": types.LiveTokenRequestsDocument,
    "\n  mutation DeleteToken($id: ID!) {\n    deleteToken(id: $id) {\n      ...TokenRow\n    }\n  }\n": types.DeleteTokenDocument,
    "\n  query TokenUsage($tokenId: ID!, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {\n    usage(tokenId: $tokenId, from: $from, to: $to, granularity: $granularity) {\n      at\n      documentCount\n    }\n  }\n": types.TokenUsageDocument,
    "\n  subscription LiveDocumentCounts {\n    documentCount {\n      tokenId\n      documentCount\n      lastUsedAt\n      period\n      periodDocumentCount\n    }\n  }\n": types.LiveDocumentCountsDocument,
    "\n  mutation CreateWebhookEndpoint($url: String!, $events: [String!]!) {\n    createWebhookEndpoint(url: $url, events: $events) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n": types.CreateWebhookEndpointDocument,
    "\n  fragment WebhookDelivery on WebhookMessage {\n    id\n    eventType\n    createdAt\n    nextAttemptAt\n    attemptCount\n    deliveredAt\n    failedAt\n    failureReason\n    attempts {\n      responseStatus\n      error\n      durationMs\n    }\n  }\n": types.WebhookDeliveryFragmentDoc,
    "\n  fragment WebhookEndpointFields on WebhookEndpoint {\n    id\n    url\n    events\n    createdAt\n    disabledAt\n    previousSecretSignsUntil\n  }\n": types.WebhookEndpointFieldsFragmentDoc,
    "\n  mutation SendTestWebhook($id: ID!) {\n    sendTestWebhook(id: $id) {\n      ...WebhookDelivery\n    }\n  }\n": types.SendTestWebhookDocument,
    "\n  mutation RotateWebhookSecret($id: ID!) {\n    rotateWebhookSecret(id: $id) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n": types.RotateWebhookSecretDocument,
    "\n  mutation DisableWebhookEndpoint($id: ID!) {\n    disableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n": types.DisableWebhookEndpointDocument,
    "\n  mutation EnableWebhookEndpoint($id: ID!) {\n    enableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n": types.EnableWebhookEndpointDocument,
    "\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id)\n  }\n": types.DeleteWebhookEndpointDocument,
    "\n  mutation RetryWebhookMessage($id: ID!) {\n    retryWebhookMessage(id: $id)\n  }\n": types.RetryWebhookMessageDocument,
    "\n  query WebhookEndpoints {\n    webhookEndpoints {\n      ...WebhookEndpointFields\n      messages(first: 10) {\n        ...WebhookDelivery\n      }\n    }\n  }\n": types.WebhookEndpointsDocument,
    "\n  fragment TokenRow on ApiToken {\n    id\n    name\n    preview\n    createdAt\n    documentCount\n    lastUsedAt\n    deletedAt\n    disabledAt\n    expiresAt\n    status\n    mode\n    leak {\n      reportedAt\n      url\n      source\n    }\n  }\n": types.TokenRowFragmentDoc,
    "\n  query Tokens($status: TokenStatus!) {\n    tokens(status: $status) {\n      ...TokenRow\n    }\n  }\n": types.TokensDocument,
    "\n  query DeletedTokens($first: Int!, $after: String) {\n    tokenConnection(status: DELETED, first: $first, after: $after) {\n      totalCount\n      edges {\n        cursor\n        node {\n          ...TokenRow\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.DeletedTokensDocument,
    "\n  fragment AccountPlanState on Account {\n    id\n    planActive\n    planCancelledAt\n    plan {\n      id\n      name\n      monthlyPriceCents\n      monthlyDocumentQuota\n    }\n    tokensPaused {\n      reason\n      message\n    }\n    currentPeriod {\n      ...BillingPeriodFields\n    }\n  }\n": types.AccountPlanStateFragmentDoc,
    "\n  fragment BillingPeriodFields on BillingPeriod {\n    period\n    used\n    quota\n    warningAt\n    resetsAt\n  }\n": types.BillingPeriodFieldsFragmentDoc,
    "\n  query CurrentPeriod {\n    viewer {\n      id\n      currentPeriod {\n        ...BillingPeriodFields\n      }\n    }\n  }\n": types.CurrentPeriodDocument,
    "\n  fragment LiveCount on ApiToken {\n    id\n    documentCount\n    lastUsedAt\n  }\n": types.LiveCountFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      id\n      email\n      name\n      personal\n      ...AccountPlanState\n    }\n    tokenRules {\n      nameMaxLength\n      maxActiveTokens\n    }\n    plans {\n      id\n      name\n      monthlyPriceCents\n      monthlyDocumentQuota\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      id\n      email\n      name\n      personal\n      ...AccountPlanState\n    }\n    tokenRules {\n      nameMaxLength\n      maxActiveTokens\n    }\n    plans {\n      id\n      name\n      monthlyPriceCents\n      monthlyDocumentQuota\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut {\n    signOut\n  }\n"): (typeof documents)["\n  mutation SignOut {\n    signOut\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptInvitation($secret: String!) {\n    acceptInvitation(secret: $secret) {\n      role\n      team {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptInvitation($secret: String!) {\n    acceptInvitation(secret: $secret) {\n      role\n      team {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ActivityEventFields on AuditEvent {\n    id\n    type\n    actorType\n    actorId\n    actorUserId\n    actorEmail\n    tokenId\n    token {\n      id\n      name\n    }\n    clientAddress\n    userAgent\n    details\n    createdAt\n  }\n"): (typeof documents)["\n  fragment ActivityEventFields on AuditEvent {\n    id\n    type\n    actorType\n    actorId\n    actorUserId\n    actorEmail\n    tokenId\n    token {\n      id\n      name\n    }\n    clientAddress\n    userAgent\n    details\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ActivityEvents($first: Int, $after: String, $types: [AuditEventType!], $tokenId: ID, $actorUserId: ID, $from: DateTime, $to: DateTime) {\n    auditEventConnection(first: $first, after: $after, types: $types, tokenId: $tokenId, actorUserId: $actorUserId, from: $from, to: $to) {\n      edges {\n        node {\n          ...ActivityEventFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query ActivityEvents($first: Int, $after: String, $types: [AuditEventType!], $tokenId: ID, $actorUserId: ID, $from: DateTime, $to: DateTime) {\n    auditEventConnection(first: $first, after: $after, types: $types, tokenId: $tokenId, actorUserId: $actorUserId, from: $from, to: $to) {\n      edges {\n        node {\n          ...ActivityEventFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveActivity($types: [AuditEventType!]) {\n    auditEvents(types: $types) {\n      ...ActivityEventFields\n    }\n  }\n"): (typeof documents)["\n  subscription LiveActivity($types: [AuditEventType!]) {\n    auditEvents(types: $types) {\n      ...ActivityEventFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ActivityChoices {\n    viewer {\n      id\n      name\n      personal\n    }\n    plans {\n      id\n      name\n    }\n    activeTokens: tokens(status: ACTIVE) {\n      id\n      name\n    }\n    deletedTokens: tokens(status: DELETED) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query ActivityChoices {\n    viewer {\n      id\n      name\n      personal\n    }\n    plans {\n      id\n      name\n    }\n    activeTokens: tokens(status: ACTIVE) {\n      id\n      name\n    }\n    deletedTokens: tokens(status: DELETED) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ActivityMembers {\n    teamMembers {\n      userId\n      email\n      role\n    }\n  }\n"): (typeof documents)["\n  query ActivityMembers {\n    teamMembers {\n      userId\n      email\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ActivityToken($id: ID!) {\n    token(id: $id) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query ActivityToken($id: ID!) {\n    token(id: $id) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($email: String!, $password: String!, $twoFactorCode: String) {\n    signIn(email: $email, password: $password, twoFactorCode: $twoFactorCode) {\n      expiresAt\n      account {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignIn($email: String!, $password: String!, $twoFactorCode: String) {\n    signIn(email: $email, password: $password, twoFactorCode: $twoFactorCode) {\n      expiresAt\n      account {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($email: String!, $password: String!) {\n    signUp(email: $email, password: $password) {\n      expiresAt\n      account {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignUp($email: String!, $password: String!) {\n    signUp(email: $email, password: $password) {\n      expiresAt\n      account {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n"): (typeof documents)["\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelPlan {\n    cancelPlan {\n      id\n      ...AccountPlanState\n    }\n  }\n"): (typeof documents)["\n  mutation CancelPlan {\n    cancelPlan {\n      id\n      ...AccountPlanState\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token)\n  }\n"): (typeof documents)["\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetPassword($token: String!, $password: String!) {\n    resetPassword(token: $token, password: $password)\n  }\n"): (typeof documents)["\n  mutation ResetPassword($token: String!, $password: String!) {\n    resetPassword(token: $token, password: $password)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EmailState {\n    me {\n      id\n      email\n      emailVerified\n    }\n  }\n"): (typeof documents)["\n  query EmailState {\n    me {\n      id\n      email\n      emailVerified\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendVerificationEmail {\n    sendVerificationEmail\n  }\n"): (typeof documents)["\n  mutation SendVerificationEmail {\n    sendVerificationEmail\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateToken(\n    $name: String!\n    $expiresIn: TokenExpiry\n    $expiresAt: DateTime\n    $scopes: [TokenScope!]\n    $mode: TokenMode\n    $allowedIps: [String!]\n    $monthlyDocumentLimit: Int\n  ) {\n    generateToken(\n      name: $name\n      expiresIn: $expiresIn\n      expiresAt: $expiresAt\n      scopes: $scopes\n      mode: $mode\n      allowedIps: $allowedIps\n      monthlyDocumentLimit: $monthlyDocumentLimit\n    ) {\n      secret\n      token {\n        ...TokenRow\n        scopes\n        allowedIps\n        monthlyDocumentLimit\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation GenerateToken(\n    $name: String!\n    $expiresIn: TokenExpiry\n    $expiresAt: DateTime\n    $scopes: [TokenScope!]\n    $mode: TokenMode\n    $allowedIps: [String!]\n    $monthlyDocumentLimit: Int\n  ) {\n    generateToken(\n      name: $name\n      expiresIn: $expiresIn\n      expiresAt: $expiresAt\n      scopes: $scopes\n      mode: $mode\n      allowedIps: $allowedIps\n      monthlyDocumentLimit: $monthlyDocumentLimit\n    ) {\n      secret\n      token {\n        ...TokenRow\n        scopes\n        allowedIps\n        monthlyDocumentLimit\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PreviousSecretUse($id: ID!) {\n    token(id: $id) {\n      id\n      previousSecretWorksUntil\n      previousSecretUse {\n        documentCount\n        lastUsedAt\n        lastUsedAddress\n        lastUsedUserAgent\n      }\n    }\n  }\n"): (typeof documents)["\n  query PreviousSecretUse($id: ID!) {\n    token(id: $id) {\n      id\n      previousSecretWorksUntil\n      previousSecretUse {\n        documentCount\n        lastUsedAt\n        lastUsedAddress\n        lastUsedUserAgent\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LeakedTokens($first: Int!) {\n    auditEventConnection(types: [TOKEN_LEAKED], first: $first) {\n      edges {\n        node {\n          id\n          token {\n            id\n            name\n            leak {\n              reportedAt\n              url\n              source\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query LeakedTokens($first: Int!) {\n    auditEventConnection(types: [TOKEN_LEAKED], first: $first) {\n      edges {\n        node {\n          id\n          token {\n            id\n            name\n            leak {\n              reportedAt\n              url\n              source\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveLeaks {\n    auditEvents(types: [TOKEN_LEAKED]) {\n      id\n    }\n  }\n"): (typeof documents)["\n  subscription LiveLeaks {\n    auditEvents(types: [TOKEN_LEAKED]) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveTokenEvents {\n    auditEvents(\n      types: [\n        TOKEN_GENERATED\n        TOKEN_DELETED\n        TOKEN_ROLLED\n        TOKEN_RENAMED\n        TOKEN_RESTRICTED\n        TOKEN_EXPIRED\n        TOKEN_DISABLED\n        TOKEN_ENABLED\n      ]\n    ) {\n      id\n      type\n      tokenId\n    }\n  }\n"): (typeof documents)["\n  subscription LiveTokenEvents {\n    auditEvents(\n      types: [\n        TOKEN_GENERATED\n        TOKEN_DELETED\n        TOKEN_ROLLED\n        TOKEN_RENAMED\n        TOKEN_RESTRICTED\n        TOKEN_EXPIRED\n        TOKEN_DISABLED\n        TOKEN_ENABLED\n      ]\n    ) {\n      id\n      type\n      tokenId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NotificationSettings {\n    me {\n      id\n      email\n      emailVerified\n    }\n    notificationPreferences {\n      kind\n      enabled\n      canTurnOff\n    }\n  }\n"): (typeof documents)["\n  query NotificationSettings {\n    me {\n      id\n      email\n      emailVerified\n    }\n    notificationPreferences {\n      kind\n      enabled\n      canTurnOff\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetNotificationPreference($kind: NotificationKind!, $enabled: Boolean!) {\n    setNotificationPreference(kind: $kind, enabled: $enabled) {\n      kind\n      enabled\n      canTurnOff\n    }\n  }\n"): (typeof documents)["\n  mutation SetNotificationPreference($kind: NotificationKind!, $enabled: Boolean!) {\n    setNotificationPreference(kind: $kind, enabled: $enabled) {\n      kind\n      enabled\n      canTurnOff\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeEmail($email: String!, $password: String!) {\n    changeEmail(email: $email, password: $password) {\n      id\n      email\n      emailVerified\n    }\n  }\n"): (typeof documents)["\n  mutation ChangeEmail($email: String!, $password: String!) {\n    changeEmail(email: $email, password: $password) {\n      id\n      email\n      emailVerified\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChoosePlan($planId: ID!) {\n    choosePlan(planId: $planId) {\n      id\n      ...AccountPlanState\n    }\n  }\n"): (typeof documents)["\n  mutation ChoosePlan($planId: ID!) {\n    choosePlan(planId: $planId) {\n      id\n      ...AccountPlanState\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Security {\n    me {\n      id\n      twoFactorEnabled\n      recoveryCodesLeft\n    }\n    sessions {\n      id\n      current\n      createdAt\n      lastSeenAt\n      clientAddress\n      userAgent\n    }\n  }\n"): (typeof documents)["\n  query Security {\n    me {\n      id\n      twoFactorEnabled\n      recoveryCodesLeft\n    }\n    sessions {\n      id\n      current\n      createdAt\n      lastSeenAt\n      clientAddress\n      userAgent\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartTwoFactorEnrolment($password: String!) {\n    startTwoFactorEnrolment(password: $password) {\n      secret\n      qrCodeSvg\n    }\n  }\n"): (typeof documents)["\n  mutation StartTwoFactorEnrolment($password: String!) {\n    startTwoFactorEnrolment(password: $password) {\n      secret\n      qrCodeSvg\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmTwoFactor($code: String!) {\n    confirmTwoFactor(code: $code)\n  }\n"): (typeof documents)["\n  mutation ConfirmTwoFactor($code: String!) {\n    confirmTwoFactor(code: $code)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisableTwoFactor($code: String!, $password: String!) {\n    disableTwoFactor(code: $code, password: $password)\n  }\n"): (typeof documents)["\n  mutation DisableTwoFactor($code: String!, $password: String!) {\n    disableTwoFactor(code: $code, password: $password)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n"): (typeof documents)["\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeOtherSessions {\n    revokeOtherSessions\n  }\n"): (typeof documents)["\n  mutation RevokeOtherSessions {\n    revokeOtherSessions\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TeamSection {\n    viewer {\n      id\n      name\n      personal\n      twoFactorRequired\n    }\n    me {\n      id\n    }\n    teamRole\n    teamMembers {\n      userId\n      email\n      role\n      joinedAt\n    }\n    teamInvitations {\n      id\n      email\n      role\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  query TeamSection {\n    viewer {\n      id\n      name\n      personal\n      twoFactorRequired\n    }\n    me {\n      id\n    }\n    teamRole\n    teamMembers {\n      userId\n      email\n      role\n      joinedAt\n    }\n    teamInvitations {\n      id\n      email\n      role\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateTeam($name: String!) {\n    createTeam(name: $name) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateTeam($name: String!) {\n    createTeam(name: $name) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InviteMember($email: String!, $role: TeamRole!) {\n    inviteMember(email: $email, role: $role) {\n      secret\n      invitation {\n        id\n        email\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation InviteMember($email: String!, $role: TeamRole!) {\n    inviteMember(email: $email, role: $role) {\n      secret\n      invitation {\n        id\n        email\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id)\n  }\n"): (typeof documents)["\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeMemberRole($userId: ID!, $role: TeamRole!) {\n    changeMemberRole(userId: $userId, role: $role) {\n      userId\n      role\n    }\n  }\n"): (typeof documents)["\n  mutation ChangeMemberRole($userId: ID!, $role: TeamRole!) {\n    changeMemberRole(userId: $userId, role: $role) {\n      userId\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMember($userId: ID!) {\n    removeMember(userId: $userId)\n  }\n"): (typeof documents)["\n  mutation RemoveMember($userId: ID!) {\n    removeMember(userId: $userId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LeaveTeam($teamId: ID!) {\n    leaveTeam(teamId: $teamId)\n  }\n"): (typeof documents)["\n  mutation LeaveTeam($teamId: ID!) {\n    leaveTeam(teamId: $teamId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequireTwoFactor($required: Boolean!) {\n    requireTwoFactor(required: $required) {\n      id\n      twoFactorRequired\n    }\n  }\n"): (typeof documents)["\n  mutation RequireTwoFactor($required: Boolean!) {\n    requireTwoFactor(required: $required) {\n      id\n      twoFactorRequired\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteTeam($name: String!) {\n    deleteTeam(name: $name)\n  }\n"): (typeof documents)["\n  mutation DeleteTeam($name: String!) {\n    deleteTeam(name: $name)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Teams {\n    teams {\n      role\n      team {\n        id\n        name\n        email\n        personal\n      }\n    }\n  }\n"): (typeof documents)["\n  query Teams {\n    teams {\n      role\n      team {\n        id\n        name\n        email\n        personal\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteTokenFromDetails($id: ID!) {\n    deleteToken(id: $id) {\n      ...TokenRow\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteTokenFromDetails($id: ID!) {\n    deleteToken(id: $id) {\n      ...TokenRow\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RollToken($id: ID!, $gracePeriod: RollGracePeriod!) {\n    rollToken(id: $id, gracePeriod: $gracePeriod) {\n      secret\n      token {\n        id\n        preview\n        previousSecretWorksUntil\n        previousSecretUse {\n          documentCount\n          lastUsedAt\n          lastUsedAddress\n          lastUsedUserAgent\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RollToken($id: ID!, $gracePeriod: RollGracePeriod!) {\n    rollToken(id: $id, gracePeriod: $gracePeriod) {\n      secret\n      token {\n        id\n        preview\n        previousSecretWorksUntil\n        previousSecretUse {\n          documentCount\n          lastUsedAt\n          lastUsedAddress\n          lastUsedUserAgent\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TokenDetails($id: ID!) {\n    token(id: $id) {\n      id\n      name\n      preview\n      status\n      disabledAt\n      documentCount\n      documentsThisMonth\n      monthlyDocumentLimit\n      allowedIps\n      expiresAt\n      previousSecretWorksUntil\n      previousSecretUse {\n        documentCount\n        lastUsedAt\n        lastUsedAddress\n        lastUsedUserAgent\n      }\n      lastUsedAt\n      lastUsedAddress\n      lastUsedUserAgent\n      mode\n      rateLimitPerSecond\n      rateLimitPerMinute\n      rateLimit {\n        perSecond\n        perMinute\n      }\n      rateLimitCeiling {\n        perSecond\n        perMinute\n      }\n    }\n  }\n"): (typeof documents)["\n  query TokenDetails($id: ID!) {\n    token(id: $id) {\n      id\n      name\n      preview\n      status\n      disabledAt\n      documentCount\n      documentsThisMonth\n      monthlyDocumentLimit\n      allowedIps\n      expiresAt\n      previousSecretWorksUntil\n      previousSecretUse {\n        documentCount\n        lastUsedAt\n        lastUsedAddress\n        lastUsedUserAgent\n      }\n      lastUsedAt\n      lastUsedAddress\n      lastUsedUserAgent\n      mode\n      rateLimitPerSecond\n      rateLimitPerMinute\n      rateLimit {\n        perSecond\n        perMinute\n      }\n      rateLimitCeiling {\n        perSecond\n        perMinute\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateTokenDetails($id: ID!, $name: String, $allowedIps: [String!], $monthlyDocumentLimit: Int) {\n    updateToken(id: $id, name: $name, allowedIps: $allowedIps, monthlyDocumentLimit: $monthlyDocumentLimit) {\n      id\n      name\n      allowedIps\n      monthlyDocumentLimit\n      documentsThisMonth\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateTokenDetails($id: ID!, $name: String, $allowedIps: [String!], $monthlyDocumentLimit: Int) {\n    updateToken(id: $id, name: $name, allowedIps: $allowedIps, monthlyDocumentLimit: $monthlyDocumentLimit) {\n      id\n      name\n      allowedIps\n      monthlyDocumentLimit\n      documentsThisMonth\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisableToken($id: ID!) {\n    disableToken(id: $id) {\n      id\n      disabledAt\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation DisableToken($id: ID!) {\n    disableToken(id: $id) {\n      id\n      disabledAt\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EnableToken($id: ID!) {\n    enableToken(id: $id) {\n      id\n      disabledAt\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation EnableToken($id: ID!) {\n    enableToken(id: $id) {\n      id\n      disabledAt\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeTokenExpiry($id: ID!, $expiresAt: DateTime) {\n    changeTokenExpiry(id: $id, expiresAt: $expiresAt) {\n      id\n      expiresAt\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation ChangeTokenExpiry($id: ID!, $expiresAt: DateTime) {\n    changeTokenExpiry(id: $id, expiresAt: $expiresAt) {\n      id\n      expiresAt\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateTokenRateLimit($id: ID!, $rateLimitPerSecond: Int, $rateLimitPerMinute: Int) {\n    updateToken(id: $id, rateLimitPerSecond: $rateLimitPerSecond, rateLimitPerMinute: $rateLimitPerMinute) {\n      id\n      rateLimitPerSecond\n      rateLimitPerMinute\n      rateLimit {\n        perSecond\n        perMinute\n      }\n      rateLimitCeiling {\n        perSecond\n        perMinute\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateTokenRateLimit($id: ID!, $rateLimitPerSecond: Int, $rateLimitPerMinute: Int) {\n    updateToken(id: $id, rateLimitPerSecond: $rateLimitPerSecond, rateLimitPerMinute: $rateLimitPerMinute) {\n      id\n      rateLimitPerSecond\n      rateLimitPerMinute\n      rateLimit {\n        perSecond\n        perMinute\n      }\n      rateLimitCeiling {\n        perSecond\n        perMinute\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RequestLogFields on RequestLogEntry {\n    id\n    tokenId\n    at\n    operation\n    outcome\n    httpStatus\n    clientAddress\n    userAgent\n    durationMs\n    requestId\n  }\n"): (typeof documents)["\n  fragment RequestLogFields on RequestLogEntry {\n    id\n    tokenId\n    at\n    operation\n    outcome\n    httpStatus\n    clientAddress\n    userAgent\n    durationMs\n    requestId\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TokenRequests($tokenId: ID!, $refusedOnly: Boolean, $first: Int, $after: String) {\n    requestConnection(tokenId: $tokenId, refusedOnly: $refusedOnly, first: $first, after: $after) {\n      edges {\n        node {\n          ...RequestLogFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query TokenRequests($tokenId: ID!, $refusedOnly: Boolean, $first: Int, $after: String) {\n    requestConnection(tokenId: $tokenId, refusedOnly: $refusedOnly, first: $first, after: $after) {\n      edges {\n        node {\n          ...RequestLogFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TokenRequestSummary($tokenId: ID!, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {\n    requestSummary(tokenId: $tokenId, from: $from, to: $to, granularity: $granularity) {\n      okCount\n      refusedCount\n      refusals {\n        outcome\n        count\n      }\n      buckets {\n        at\n        okCount\n        refusals {\n          outcome\n          count\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query TokenRequestSummary($tokenId: ID!, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {\n    requestSummary(tokenId: $tokenId, from: $from, to: $to, granularity: $granularity) {\n      okCount\n      refusedCount\n      refusals {\n        outcome\n        count\n      }\n      buckets {\n        at\n        okCount\n        refusals {\n          outcome\n          count\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveTokenRequests($tokenId: ID!) {\n    requestLogged(tokenId: $tokenId) {\n      ...RequestLogFields\n    }\n  }\n"): (typeof documents)["\n  subscription LiveTokenRequests($tokenId: ID!) {\n    requestLogged(tokenId: $tokenId) {\n      ...RequestLogFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteToken($id: ID!) {\n    deleteToken(id: $id) {\n      ...TokenRow\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteToken($id: ID!) {\n    deleteToken(id: $id) {\n      ...TokenRow\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TokenUsage($tokenId: ID!, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {\n    usage(tokenId: $tokenId, from: $from, to: $to, granularity: $granularity) {\n      at\n      documentCount\n    }\n  }\n"): (typeof documents)["\n  query TokenUsage($tokenId: ID!, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {\n    usage(tokenId: $tokenId, from: $from, to: $to, granularity: $granularity) {\n      at\n      documentCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveDocumentCounts {\n    documentCount {\n      tokenId\n      documentCount\n      lastUsedAt\n      period\n      periodDocumentCount\n    }\n  }\n"): (typeof documents)["\n  subscription LiveDocumentCounts {\n    documentCount {\n      tokenId\n      documentCount\n      lastUsedAt\n      period\n      periodDocumentCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWebhookEndpoint($url: String!, $events: [String!]!) {\n    createWebhookEndpoint(url: $url, events: $events) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWebhookEndpoint($url: String!, $events: [String!]!) {\n    createWebhookEndpoint(url: $url, events: $events) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment WebhookDelivery on WebhookMessage {\n    id\n    eventType\n    createdAt\n    nextAttemptAt\n    attemptCount\n    deliveredAt\n    failedAt\n    failureReason\n    attempts {\n      responseStatus\n      error\n      durationMs\n    }\n  }\n"): (typeof documents)["\n  fragment WebhookDelivery on WebhookMessage {\n    id\n    eventType\n    createdAt\n    nextAttemptAt\n    attemptCount\n    deliveredAt\n    failedAt\n    failureReason\n    attempts {\n      responseStatus\n      error\n      durationMs\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment WebhookEndpointFields on WebhookEndpoint {\n    id\n    url\n    events\n    createdAt\n    disabledAt\n    previousSecretSignsUntil\n  }\n"): (typeof documents)["\n  fragment WebhookEndpointFields on WebhookEndpoint {\n    id\n    url\n    events\n    createdAt\n    disabledAt\n    previousSecretSignsUntil\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendTestWebhook($id: ID!) {\n    sendTestWebhook(id: $id) {\n      ...WebhookDelivery\n    }\n  }\n"): (typeof documents)["\n  mutation SendTestWebhook($id: ID!) {\n    sendTestWebhook(id: $id) {\n      ...WebhookDelivery\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotateWebhookSecret($id: ID!) {\n    rotateWebhookSecret(id: $id) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RotateWebhookSecret($id: ID!) {\n    rotateWebhookSecret(id: $id) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisableWebhookEndpoint($id: ID!) {\n    disableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n"): (typeof documents)["\n  mutation DisableWebhookEndpoint($id: ID!) {\n    disableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EnableWebhookEndpoint($id: ID!) {\n    enableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n"): (typeof documents)["\n  mutation EnableWebhookEndpoint($id: ID!) {\n    enableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryWebhookMessage($id: ID!) {\n    retryWebhookMessage(id: $id)\n  }\n"): (typeof documents)["\n  mutation RetryWebhookMessage($id: ID!) {\n    retryWebhookMessage(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WebhookEndpoints {\n    webhookEndpoints {\n      ...WebhookEndpointFields\n      messages(first: 10) {\n        ...WebhookDelivery\n      }\n    }\n  }\n"): (typeof documents)["\n  query WebhookEndpoints {\n    webhookEndpoints {\n      ...WebhookEndpointFields\n      messages(first: 10) {\n        ...WebhookDelivery\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment TokenRow on ApiToken {\n    id\n    name\n    preview\n    createdAt\n    documentCount\n    lastUsedAt\n    deletedAt\n    disabledAt\n    expiresAt\n    status\n    mode\n    leak {\n      reportedAt\n      url\n      source\n    }\n  }\n"): (typeof documents)["\n  fragment TokenRow on ApiToken {\n    id\n    name\n    preview\n    createdAt\n    documentCount\n    lastUsedAt\n    deletedAt\n    disabledAt\n    expiresAt\n    status\n    mode\n    leak {\n      reportedAt\n      url\n      source\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Tokens($status: TokenStatus!) {\n    tokens(status: $status) {\n      ...TokenRow\n    }\n  }\n"): (typeof documents)["\n  query Tokens($status: TokenStatus!) {\n    tokens(status: $status) {\n      ...TokenRow\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DeletedTokens($first: Int!, $after: String) {\n    tokenConnection(status: DELETED, first: $first, after: $after) {\n      totalCount\n      edges {\n        cursor\n        node {\n          ...TokenRow\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query DeletedTokens($first: Int!, $after: String) {\n    tokenConnection(status: DELETED, first: $first, after: $after) {\n      totalCount\n      edges {\n        cursor\n        node {\n          ...TokenRow\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AccountPlanState on Account {\n    id\n    planActive\n    planCancelledAt\n    plan {\n      id\n      name\n      monthlyPriceCents\n      monthlyDocumentQuota\n    }\n    tokensPaused {\n      reason\n      message\n    }\n    currentPeriod {\n      ...BillingPeriodFields\n    }\n  }\n"): (typeof documents)["\n  fragment AccountPlanState on Account {\n    id\n    planActive\n    planCancelledAt\n    plan {\n      id\n      name\n      monthlyPriceCents\n      monthlyDocumentQuota\n    }\n    tokensPaused {\n      reason\n      message\n    }\n    currentPeriod {\n      ...BillingPeriodFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BillingPeriodFields on BillingPeriod {\n    period\n    used\n    quota\n    warningAt\n    resetsAt\n  }\n"): (typeof documents)["\n  fragment BillingPeriodFields on BillingPeriod {\n    period\n    used\n    quota\n    warningAt\n    resetsAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CurrentPeriod {\n    viewer {\n      id\n      currentPeriod {\n        ...BillingPeriodFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query CurrentPeriod {\n    viewer {\n      id\n      currentPeriod {\n        ...BillingPeriodFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment LiveCount on ApiToken {\n    id\n    documentCount\n    lastUsedAt\n  }\n"): (typeof documents)["\n  fragment LiveCount on ApiToken {\n    id\n    documentCount\n    lastUsedAt\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;