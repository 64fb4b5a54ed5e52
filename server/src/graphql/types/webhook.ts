// Webhook endpoints in the API: register, rotate the signing secret, delete, and see each
// message's attempts with a manual retry.
import { WEBHOOK_EVENT_TYPES, type EndpointRecord, type WebhookMessageRecord } from '../../domain/webhooks.js';
import { actorOf } from '../audit-actor.js';
import { builder } from '../builder.js';
import { forScope } from '../authorization.js';
import type { GraphQLContext } from '../context.js';


/**
 * The attempts of every message a request shows, read together: each message's `attempts` field
 * asks for its own, and the asks of one turn of the event loop (every message of every endpoint
 * and alias resolved by then) become one statement, instead of one per message.
 */
function attemptsLoader(ctx: GraphQLContext): (messageId: string) => Promise<AttemptRow[]> {
  let loader = attemptLoaders.get(ctx);
  if (!loader) {
    let batch: Map<string, Array<{ resolve: (rows: AttemptRow[]) => void; reject: (error: unknown) => void }>> | undefined;
    const load = (waiting: NonNullable<typeof batch>) => {
      ctx.services.webhooks.attemptsOfMessages([...waiting.keys()]).then(
        (byMessage) => waiting.forEach((asks, id) => asks.forEach((ask) => ask.resolve(byMessage.get(id) ?? []))),
        (error: unknown) => waiting.forEach((asks) => asks.forEach((ask) => ask.reject(error))),
      );
    };
    loader = (messageId) =>
      new Promise<AttemptRow[]>((resolve, reject) => {
        if (!batch) {
          const waiting = (batch = new Map());
          setImmediate(() => {
            batch = undefined;
            load(waiting);
          });
        }
        batch.set(messageId, [...(batch.get(messageId) ?? []), { resolve, reject }]);
      });
    attemptLoaders.set(ctx, loader);
  }
  return loader;
}
const attemptLoaders = new WeakMap<GraphQLContext, (messageId: string) => Promise<AttemptRow[]>>();

interface AttemptRow {
  attemptNumber: number;
  attemptedAt: Date;
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
}

const WebhookAttemptRef = builder.objectRef<AttemptRow>('WebhookAttempt').implement({
  fields: (t) => ({
    attemptNumber: t.exposeInt('attemptNumber'),
    attemptedAt: t.expose('attemptedAt', { type: 'DateTime' }),
    responseStatus: t.exposeInt('responseStatus', { nullable: true, description: "The receiver's HTTP status; null when no response came." }),
    error: t.exposeString('error', { nullable: true }),
    durationMs: t.exposeInt('durationMs'),
  }),
});

const WebhookMessageRef = builder.objectRef<WebhookMessageRecord>('WebhookMessage').implement({
  description: 'One event for one endpoint. Its id is the webhook-id header of every attempt.',
  fields: (t) => ({
    id: t.exposeID('id'),
    eventType: t.exposeString('eventType'),
    payload: t.exposeString('payload'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime' }),
    attemptCount: t.exposeInt('attemptCount'),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    failedAt: t.expose('failedAt', { type: 'DateTime', nullable: true, description: 'Set when the message was given up: see failureReason. A manual retry sends it again.' }),
    failureReason: t.exposeString('failureReason', {
      nullable: true,
      description: "Why the message was given up: its 24 hours of retries ran out, or the account had too many messages waiting (the oldest are given up first; security events never).",
    }),
    attempts: t.field({ type: [WebhookAttemptRef], resolve: (message, _args, ctx) => attemptsLoader(ctx)(message.id) }),
  }),
});

const WebhookEndpointRef = builder.objectRef<EndpointRecord>('WebhookEndpoint').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    events: t.stringList({ resolve: (endpoint) => endpoint.events.split(',') }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    previousSecretSignsUntil: t.expose('previousSecretValidUntil', { type: 'DateTime', nullable: true }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true, description: 'Disabled since: it gets no messages until enabled again. Null while enabled.' }),
    messages: t.field({
      type: [WebhookMessageRef],
      args: { first: t.arg.int({ required: false, defaultValue: 20 }) },
      resolve: (endpoint, { first }, ctx) => ctx.services.webhooks.messages(endpoint.id, first ?? 20),
    }),
  }),
});

const EndpointWithSecretRef = builder.objectRef<{ endpoint: EndpointRecord; secret: string }>('WebhookEndpointSecret').implement({
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointRef, resolve: (payload) => payload.endpoint }),
    secret: t.exposeString('secret', { description: 'The signing secret (whsec_…), for the Standard Webhooks verifier. Shown now only.' }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoints: t.field({
    ...forScope('WEBHOOKS_WRITE'),
    type: [WebhookEndpointRef],
    resolve: async (_root, _args, ctx) => ctx.services.webhooks.endpoints((await ctx.viewer()).id),
  }),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    ...forScope('WEBHOOKS_WRITE'),
    type: EndpointWithSecretRef,
    description: `Registers an HTTPS endpoint for some of: ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
    args: { url: t.arg.string(), events: t.arg.stringList() },
    resolve: async (_root, { url, events }, ctx) => ctx.services.webhooks.createEndpoint((await ctx.viewer()).id, url, events, await actorOf(ctx)),
  }),
  rotateWebhookSecret: t.field({
    ...forScope('WEBHOOKS_WRITE'),
    type: EndpointWithSecretRef,
    description: 'A new signing secret; the previous one also signs for 24 hours.',
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => ctx.services.webhooks.rotateSecret((await ctx.viewer()).id, String(id), await actorOf(ctx)),
  }),
  deleteWebhookEndpoint: t.boolean({
    ...forScope('WEBHOOKS_WRITE'),
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => {
      await ctx.services.webhooks.deleteEndpoint((await ctx.viewer()).id, String(id), await actorOf(ctx));
      return true;
    },
  }),
  disableWebhookEndpoint: t.field({
    ...forScope('WEBHOOKS_WRITE'),
    type: WebhookEndpointRef,
    description: 'Stops sending to the endpoint: no message is written for it from now on, and its waiting messages are given up (failureReason says so; retry them once it is enabled). Audited; doing it twice changes nothing.',
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => ctx.services.webhooks.disableEndpoint((await ctx.viewer()).id, String(id), await actorOf(ctx)),
  }),
  enableWebhookEndpoint: t.field({
    ...forScope('WEBHOOKS_WRITE'),
    type: WebhookEndpointRef,
    description: 'Sends to the endpoint again: events from now on reach it. Audited.',
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => ctx.services.webhooks.enableEndpoint((await ctx.viewer()).id, String(id), await actorOf(ctx)),
  }),
  sendTestWebhook: t.field({
    ...forScope('WEBHOOKS_WRITE'),
    type: WebhookMessageRef,
    description: 'Sends the endpoint a test event (type webhook.test), signed and delivered like any message, within a second or two: the message it returns lists its attempts (status, response code, duration). Counts in the webhook requests an account may make an hour. WEBHOOK_ENDPOINT_DISABLED while disabled.',
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => ctx.services.webhooks.sendTestEvent((await ctx.viewer()).id, String(id)),
  }),
  retryWebhookMessage: t.boolean({
    ...forScope('WEBHOOKS_WRITE'),
    description: 'Sends the message again now, whatever its state.',
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => {
      await ctx.services.webhooks.retry((await ctx.viewer()).id, String(id));
      return true;
    },
  }),
}));
