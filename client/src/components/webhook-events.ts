// The events an endpoint can subscribe to, in the client's one place. The server's list is
// WEBHOOK_EVENT_TYPES in server/src/domain/webhooks.ts, which the schema repeats in
// createWebhookEndpoint's description; the schema has no enum for them (event names are dotted
// strings, as receivers see them), so they are mirrored here, in the server's order, with the
// words the form shows. client/test/webhooks.e2e.test.ts compares the form's boxes with the
// server's list, so an event added there fails the test until it has its words here.
export const WEBHOOK_EVENTS = [
  { type: 'token.created', words: 'A token was generated' },
  { type: 'token.deleted', words: 'A token was deleted' },
  { type: 'token.disabled', words: 'A token was disabled' },
  { type: 'token.enabled', words: 'A token was enabled again' },
  { type: 'token.expiring', words: 'A token expires in 7 days, and again in 1 day' },
  { type: 'token.leaked', words: 'A token was found in public and revoked' },
  { type: 'quota.warning', words: 'Usage reached 80% of the plan\u2019s monthly documents' },
  { type: 'quota.reached', words: 'Usage reached the plan\u2019s monthly documents' },
  { type: 'revoked_token.used', words: 'A revoked token is still being used' },
] as const;
