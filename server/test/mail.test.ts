// E-mail: every message goes through a real SMTP server on loopback (support/smtp-sink.ts) and is
// read back as a mail client would (mailparser). Delivery is run by the tests (MAIL_POLL_MS=0), on
// an injected clock, so that backoff and link expiry are moved to rather than waited for.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { configFromEnv, limitsFromEnv } from '../src/config.js';
import { MailTemplates } from '../src/mail/mail-templates.js';
import { MAIL_KINDS } from '../src/domain/mail.js';
import { DatabaseMailStore } from '../src/persistence/mail-store.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';
import { linkIn, SmtpSink } from './support/smtp-sink.js';
import { captureLog } from './support/log-lines.js';
import { parsePrometheusText } from './support/prometheus-text.js';

const MINUTE = 60_000;
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

const log = captureLog();
const sink = new SmtpSink((address) => address.startsWith('bounce-'));
let t: TestApp;

beforeAll(async () => {
  await sink.up();
  t = await createTestApp(
    { smtpUrl: sink.url, mailPollMs: 0, publicUrl: 'https://dashboard.example.com', metrics: true, logging: 'info', limits: { ...limitsFromEnv({}), signUpsPerIpPerHour: 1000 } },
    { clock, logDestination: log.destination },
  );
});
afterAll(async () => {
  await t?.close();
  await sink.down();
});
beforeEach(() => {
  offsetMs = 0;
});

const deliver = () => t.app.services.mailDelivery.deliverDue();
let counter = 0;
const address = (prefix = 'person') => `${prefix}-${process.pid}-${++counter}-${randomBytes(3).toString('hex')}@example.com`;
/** A client address of its own, so that no rate limit of one test meets another's. */
const client = () => ({ 'x-forwarded-for': `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::7` });

async function mailTo(to: string, subject: RegExp) {
  await t.app.services.emailAddresses.settled();
  await deliver();
  const found = sink.to(to).filter((mail) => subject.test(mail.subject ?? ''));
  expect(found.length, `mail to ${to} matching ${subject}: got ${sink.to(to).map((mail) => mail.subject).join(' | ')}`).toBeGreaterThan(0);
  return found[found.length - 1]!;
}

/** A header as the message carried it (mailparser folds the List-* headers into one object). */
const header = (mail: { headerLines: ReadonlyArray<{ key: string; line: string }> }, name: string) => {
  const line = mail.headerLines.find((candidate) => candidate.key === name)?.line;
  return line === undefined ? undefined : line.slice(line.indexOf(':') + 1).trim();
};

const me = async (session: string) => (await t.gql('{ me { email emailVerified } }', {}, bearer(session))).data.me;
const VERIFY = 'mutation($token: String!) { verifyEmail(token: $token) }';
const RESET = 'mutation($token: String!, $password: String!) { resetPassword(token: $token, password: $password) }';
const REQUEST_RESET = 'mutation($email: String!) { requestPasswordReset(email: $email) }';

describe('verifying the address', () => {
  it('sign-up mails a single-use link, in text and HTML, that verifies the address once', async () => {
    const email = address();
    const { session } = await t.signUp({ email, verified: false });
    expect(await me(session)).toEqual({ email, emailVerified: false });
    const mail = await mailTo(email, /^Verify your e-mail address/);
    expect(mail.from?.text).toContain('no-reply@pogodoc.localhost');
    const token = linkIn(mail, 'verify');
    expect(mail.text).toContain(`https://dashboard.example.com/#verify=${token}`);
    expect(mail.html).toContain(`https://dashboard.example.com/#verify=${token}`);
    // a security message: nothing to unsubscribe from
    expect(header(mail, 'list-unsubscribe')).toBeUndefined();
    expect(mail.messageId).toMatch(/^<mail\.VERIFY_EMAIL\..+@pogodoc\.localhost>$/);

    expect((await t.gql(VERIFY, { token })).data).toEqual({ verifyEmail: true });
    expect(await me(session)).toEqual({ email, emailVerified: true });
    const again = await t.gql(VERIFY, { token });
    expect(codes(again)).toEqual(['EMAIL_LINK_INVALID']);
    expect(again.errors![0]!.message).toMatch(/Ask for a new one/);
  });

  it('a link expires after 24 hours; sending it again ends the older one; at most 5 an hour', async () => {
    const email = address();
    const { session } = await t.signUp({ email, verified: false });
    const first = linkIn(await mailTo(email, /^Verify/), 'verify');
    offsetMs = 24 * 60 * MINUTE + MINUTE;
    expect(codes(await t.gql(VERIFY, { token: first }))).toEqual(['EMAIL_LINK_EXPIRED']);

    // delivered one by one, so that they arrive in the order they were made
    for (let sent = 0; sent < 5; sent++) {
      expect((await t.gql('mutation { sendVerificationEmail }', {}, bearer(session))).data).toEqual({ sendVerificationEmail: true });
      await deliver();
    }
    const limited = await t.gql('mutation { sendVerificationEmail }', {}, bearer(session));
    expect(codes(limited)).toEqual(['RATE_LIMITED']);
    const links = sink.to(email).map((mail) => linkIn(mail, 'verify'));
    expect(links).toHaveLength(6);
    // every link but the newest was ended by the one after it
    for (const older of links.slice(0, -1)) expect(codes(await t.gql(VERIFY, { token: older }))).toEqual(['EMAIL_LINK_INVALID']);
    expect((await t.gql(VERIFY, { token: links.at(-1) })).data).toEqual({ verifyEmail: true });
    expect(codes(await t.gql('mutation { sendVerificationEmail }', {}, bearer(session)))).toEqual(['EMAIL_ALREADY_VERIFIED']);
  });

  it('changing the address needs the password, verifies the new one, tells the old one, and ends links to it', async () => {
    const email = address();
    const { session } = await t.signUp({ email });
    await t.gql(REQUEST_RESET, { email }, client());
    const resetToOld = linkIn(await mailTo(email, /^Reset your Pogodoc password/), 'reset');
    const next = address('moved');
    expect(codes(await t.gql('mutation($e: String!) { changeEmail(email: $e, password: "wrong password") { id } }', { e: next }, bearer(session)))).toEqual(['PASSWORD_INCORRECT']);
    const changed = await t.gql('mutation($e: String!) { changeEmail(email: $e, password: "correct horse battery") { email emailVerified } }', { e: next }, bearer(session));
    expect(changed.data.changeEmail).toEqual({ email: next, emailVerified: false });
    const notice = await mailTo(email, /^The e-mail address of your Pogodoc account was changed/);
    expect(notice.text).toContain(next);
    expect(notice.text).not.toMatch(/#(verify|reset)=/);
    expect(codes(await t.gql(RESET, { token: resetToOld, password: 'a new password 1' }))).toEqual(['EMAIL_LINK_INVALID']);
    const token = linkIn(await mailTo(next, /^Verify/), 'verify');
    expect((await t.gql(VERIFY, { token })).data).toEqual({ verifyEmail: true });
    expect(await me(session)).toEqual({ email: next, emailVerified: true });
  });
});

describe('password reset', () => {
  it('one link at a time, an hour each: the newest works once, ends every session, is audited and told', async () => {
    const email = address();
    const { session } = await t.signUp({ email });
    expect((await t.gql(REQUEST_RESET, { email }, client())).data).toEqual({ requestPasswordReset: true });
    const first = linkIn(await mailTo(email, /^Reset your Pogodoc password/), 'reset');
    offsetMs = 50 * MINUTE;
    await t.gql(REQUEST_RESET, { email }, client());
    await t.app.services.emailAddresses.settled();
    await deliver();
    const second = linkIn(sink.to(email).filter((mail) => /^Reset/.test(mail.subject ?? '')).at(-1)!, 'reset');
    expect(second).not.toBe(first);
    // a reset link from before a newer one does not work, even within its hour
    expect(codes(await t.gql(RESET, { token: first, password: 'a new password 1' }))).toEqual(['EMAIL_LINK_INVALID']);
    // the second request did not extend the first link, and the second has an hour of its own
    offsetMs = 50 * MINUTE + 59 * MINUTE;
    expect(codes(await t.gql(RESET, { token: second, password: 'short' }))).toEqual(['PASSWORD_TOO_SHORT']);
    expect((await t.gql(RESET, { token: second, password: 'a new password 1' }, { 'user-agent': 'reset-browser' })).data).toEqual({ resetPassword: true });
    expect(codes(await t.gql(RESET, { token: second, password: 'a new password 2' }))).toEqual(['EMAIL_LINK_INVALID']);

    // every session ended; the new password signs in, the old one does not
    expect(codes(await t.gql('{ me { id } }', {}, bearer(session)))).toEqual(['SESSION_EXPIRED']);
    const signIn = 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { sessionToken } }';
    expect(codes(await t.gql(signIn, { e: email, p: 'correct horse battery' }))).toEqual(['INVALID_CREDENTIALS']);
    const fresh = await t.gql(signIn, { e: email, p: 'a new password 1' });
    expect(fresh.data.signIn.sessionToken).toMatch(/^pgs_/);
    const events = await t.gql('{ auditEventConnection(first: 20) { edges { node { type } } } }', {}, bearer(fresh.data.signIn.sessionToken));
    const types = events.data.auditEventConnection.edges.map((edge: { node: { type: string } }) => edge.node.type);
    expect(types).toContain('PASSWORD_RESET');
    expect(types.filter((type: string) => type === 'PASSWORD_RESET_REQUESTED')).toHaveLength(2);
    const notice = await mailTo(email, /^Your Pogodoc password was reset/);
    expect(notice.text).toContain('Every session was signed out');
  });

  it('a reset link expires after an hour', async () => {
    const email = address();
    await t.signUp({ email });
    await t.gql(REQUEST_RESET, { email }, client());
    const token = linkIn(await mailTo(email, /^Reset/), 'reset');
    offsetMs = 61 * MINUTE;
    expect(codes(await t.gql(RESET, { token, password: 'a new password 1' }))).toEqual(['EMAIL_LINK_EXPIRED']);
  });

  it('the answer for an unknown address is the same, in status, body and time; and mails nothing', async () => {
    const known = address();
    await t.signUp({ email: known });
    const unknown = address('nobody');
    const ask = async (email: string) => {
      const started = performance.now();
      const response = await t.gql(REQUEST_RESET, { email }, client());
      return { ms: performance.now() - started, status: response.status, body: JSON.stringify({ data: response.data, errors: response.errors }) };
    };
    const knownAnswers = [];
    const unknownAnswers = [];
    // interleaved, so that whatever else the machine does falls on both alike; the known address's
    // own limit (3 mails an hour) stops its mail, never its answer
    for (let round = 0; round < 15; round++) {
      knownAnswers.push(await ask(known));
      unknownAnswers.push(await ask(unknown));
    }
    for (const answer of [...knownAnswers, ...unknownAnswers]) {
      expect(answer.status).toBe(200);
      expect(answer.body).toBe(JSON.stringify({ data: { requestPasswordReset: true } }));
    }
    const median = (answers: Array<{ ms: number }>) => answers.map((answer) => answer.ms).sort((a, b) => a - b)[Math.floor(answers.length / 2)]!;
    const [knownMs, unknownMs] = [median(knownAnswers), median(unknownAnswers)];
    // the lookup and the write happen after the answer; what is left is noise
    expect(Math.abs(knownMs - unknownMs), `medians ${knownMs.toFixed(2)} ms and ${unknownMs.toFixed(2)} ms`).toBeLessThan(Math.max(5, 0.5 * Math.max(knownMs, unknownMs)));
    await t.app.services.emailAddresses.settled();
    await deliver();
    expect(sink.to(unknown)).toHaveLength(0);
    expect(sink.to(known).filter((mail) => /^Reset/.test(mail.subject ?? ''))).toHaveLength(3);
  });

  it('refuses an address with a line break: no header can be added through it', async () => {
    const injected = `a${counter}@example.com\r\nBcc: victim@example.com`;
    expect(codes(await t.gql(REQUEST_RESET, { email: injected }, client()))).toEqual(['EMAIL_INVALID']);
    const signUp = await t.gql('mutation($e: String!) { signUp(email: $e, password: "long enough password") { sessionToken } }', { e: injected }, client());
    expect(codes(signUp)).toEqual(['EMAIL_INVALID']);
    await deliver();
    expect(sink.to('victim@example.com')).toHaveLength(0);
  });
});

describe('the outbox', () => {
  it('with the SMTP server down, then back: every message arrives once, after its backoff', async () => {
    await sink.down();
    try {
      const people = [address('outage'), address('outage'), address('outage')];
      for (const email of people) await t.signUp({ email, verified: false });
      expect(await deliver()).toBeGreaterThanOrEqual(3);
      const rows = await t.app.database.sql.rows<{ attemptCount: number; sentAt: unknown; lastError: string | null }>(
        { name: 'test_outage_rows', text: `SELECT "attemptCount", "sentAt", "lastError" FROM "MailMessage" WHERE "toAddress" IN ($1, $2, $3)` },
        people,
      );
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(row).toMatchObject({ attemptCount: 1, sentAt: null, lastError: expect.stringMatching(/^E[A-Z]+/) });
      await sink.up();
      // not due before its backoff (30 s)
      await deliver();
      for (const email of people) expect(sink.to(email)).toHaveLength(0);
      offsetMs = 31_000;
      await deliver();
      await deliver();
      for (const email of people) expect(sink.to(email)).toHaveLength(1);
    } finally {
      await sink.up().catch(() => {});
    }
  });

  it('an address the server refuses for good is given up at once (a dead letter), with why', async () => {
    const email = address('bounce');
    await t.signUp({ email, verified: false });
    await deliver();
    const [row] = await t.app.database.sql.rows<{ failedAt: unknown; failureReason: string; payload: string; lastError: string }>(
      { name: 'test_bounce_row', text: `SELECT "failedAt", "failureReason", "payload", "lastError" FROM "MailMessage" WHERE "toAddress" = $1` },
      [email],
    );
    expect(row!.failedAt, JSON.stringify(row)).not.toBeNull();
    expect(row!.failureReason).toBe('refused by the mail server (SMTP 550)');
    // the operator sees it: a counter, and a log line naming the message and why (not the address)
    const metrics = parsePrometheusText(await (await t.app.yoga.fetch('http://yoga/metrics')).text());
    expect(metrics.value('pogodoc_mail_attempts_total', { outcome: 'given_up' })).toBeGreaterThanOrEqual(1);
    const line = log.lines().find((candidate) => candidate.msg === 'mail given up' && candidate.reason === 'refused by the mail server (SMTP 550)');
    expect(line).toMatchObject({ kind: 'VERIFY_EMAIL', mailId: expect.stringMatching(/^mail:VERIFY_EMAIL:/) });
    expect(JSON.stringify(line)).not.toContain(email);
    // what is kept of a message that will never be sent holds no secret either
    expect(row!.payload).not.toMatch(/pgl_/);
  });

  it('a sent message keeps no secret in the outbox', async () => {
    const email = address();
    await t.signUp({ email, verified: false });
    await mailTo(email, /^Verify/);
    const [row] = await t.app.database.sql.rows<{ payload: string; sentAt: unknown }>(
      { name: 'test_sent_row', text: `SELECT "payload", "sentAt" FROM "MailMessage" WHERE "toAddress" = $1` },
      [email],
    );
    expect(row!.sentAt).not.toBeNull();
    expect(row!.payload).not.toMatch(/pgl_/);
  });

  it('a mail server that accepts the connection and never answers holds up no request and no webhook', async () => {
    // a TCP server that takes the connection and says nothing: nodemailer waits for its greeting
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const stuck = await createTestApp({ smtpUrl: `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`, mailPollMs: 0, webhookAllowPrivateUrls: true, limits: { ...limitsFromEnv({}), signUpsPerIpPerHour: 1000 } });
    const receiver = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const { session } = await stuck.signUp({ email: address('stuck') });
      await stuck.gql('mutation($u: String!) { createWebhookEndpoint(url: $u, events: ["token.created"]) { endpoint { id } } }', { u: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` }, bearer(session));
      await stuck.generateToken(session, 'while mail hangs');
      let mailDone = false;
      const mail = stuck.app.services.mailDelivery.deliverDue().finally(() => (mailDone = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      // while the mail waits on the silent server: a request is answered, and the webhook goes out
      expect((await stuck.gql('{ tokens { name } }', {}, bearer(session))).data.tokens).toEqual([{ name: 'while mail hangs' }]);
      expect(await stuck.app.services.webhookDelivery.deliverDue()).toBe(1);
      expect(mailDone).toBe(false);
      for (const socket of sockets) socket.destroy();
      await mail;
    } finally {
      await stuck.close();
      receiver.close();
      silent.close();
    }
  });

  it("a team's waiting notifications past its cap are given up, oldest first; security messages never", async () => {
    const store = new DatabaseMailStore(t.app.database.sql, t.database.provider);
    const team = `cap-team-${counter++}`;
    const at = (seconds: number) => new Date(clock().getTime() + 3_600_000 + seconds * 1000);
    const insert = (id: string, kind: string, seconds: number) =>
      t.app.database.sql.rows(
        { name: 'test_cap_insert', text: `INSERT INTO "MailMessage" ("id", "accountId", "toAddress", "kind", "payload", "createdAt", "nextAttemptAt", "attemptCount") VALUES ($1, $2, $3, $4, '{}', $5, $6, 0)` },
        [id, team, 'cap@example.com', kind, at(seconds), at(seconds + 3600)],
      );
    await insert(`${team}:old-notice`, 'QUOTA_WARNING', 1);
    await insert(`${team}:old-security`, 'TOKEN_LEAKED', 2);
    await insert(`${team}:middle`, 'TOKEN_EXPIRED', 3);
    await insert(`${team}:newest`, 'TOKEN_EXPIRING', 4);
    expect(await store.giveUpOverCap(2, clock())).toBeGreaterThanOrEqual(1);
    const rows = await t.app.database.sql.rows<{ id: string; failureReason: string | null }>(
      { name: 'test_cap_rows', text: `SELECT "id", "failureReason" FROM "MailMessage" WHERE "accountId" = $1 ORDER BY "id"` },
      [team],
    );
    expect(Object.fromEntries(rows.map((row) => [row.id.slice(team.length + 1), row.failureReason]))).toEqual({
      middle: null,
      newest: null,
      'old-notice': 'over the team’s cap of waiting messages',
      'old-security': null,
    });
  });

  it('two instances delivering the same outbox at once send each message once', async () => {
    const second: App = await buildApp({ ...configFromEnv({}), databaseUrl: t.database.url, redisUrl: process.env.TEST_REDIS_URL, logging: false, trustProxy: 1, webhookPollMs: 0, mailPollMs: 0, smtpUrl: sink.url }, { clock });
    try {
      const people = Array.from({ length: 12 }, () => address('twice'));
      for (const email of people) await t.signUp({ email, verified: false });
      await Promise.all([deliver(), second.services.mailDelivery.deliverDue(), deliver(), second.services.mailDelivery.deliverDue()]);
      await Promise.all([deliver(), second.services.mailDelivery.deliverDue()]);
      for (const email of people) expect(sink.to(email), email).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

async function createTeam(session: string, name: string): Promise<string> {
  const created = await t.gql('mutation($name: String!) { createTeam(name: $name) { id } }', { name }, bearer(session));
  return created.data.createTeam.id;
}

describe('invitations and notifications', () => {
  it('an invitation is mailed to the invitee; both ends need a verified address', async () => {
    const owner = await t.signUp({ email: address('owner') });
    const teamId = await createTeam(owner.session, 'Mail team');
    const inTeam = { ...bearer(owner.session), 'pogodoc-team': teamId };
    const unverified = await t.signUp({ email: address('unverified'), verified: false });
    const refused = await t.gql('mutation($e: String!) { inviteMember(email: $e, role: ADMIN) { secret } }', { e: address() }, { ...bearer(unverified.session), 'pogodoc-team': await createTeam(unverified.session, 'Unverified team') });
    expect(codes(refused)).toEqual(['EMAIL_NOT_VERIFIED']);
    expect(refused.status).toBe(403);

    const invited = address('invited');
    await t.gql('mutation($e: String!) { inviteMember(email: $e, role: ADMIN) { secret } }', { e: invited }, inTeam);
    const invitation = await mailTo(invited, /invited you to the team Mail team on Pogodoc$/);
    expect(invitation.text).toContain(owner.email);
    const secret = linkIn(invitation, 'invitation');
    const joiner = await t.signUp({ email: invited, verified: false });
    const accept = 'mutation($s: String!) { acceptInvitation(secret: $s) { role } }';
    expect(codes(await t.gql(accept, { s: secret }, bearer(joiner.session)))).toEqual(['EMAIL_NOT_VERIFIED']);
    const token = linkIn(await mailTo(invited, /^Verify/), 'verify');
    await t.gql(VERIFY, { token });
    expect((await t.gql(accept, { s: secret }, bearer(joiner.session))).data.acceptInvitation).toEqual({ role: 'ADMIN' });
    const joined = await mailTo(owner.email, /joined Mail team$/);
    expect(joined.text).toContain(`${invited} accepted an invitation`);
    // the one who joined does not get their own joining
    expect(sink.to(invited).filter((mail) => /joined/.test(mail.subject ?? ''))).toHaveLength(0);
    // removed: told
    await t.gql('mutation($id: ID!) { removeMember(userId: $id) }', { id: joiner.accountId }, inTeam);
    const removed = await mailTo(invited, /^You were removed from Mail team$/);
    expect(removed.text).toContain(owner.email);
  });

  it("a team's notices go to its verified owners and admins, honour opt-outs, and unsubscribe in one click", async () => {
    const owner = await t.signUp({ email: address('owner'), plan: null });
    const teamId = await createTeam(owner.session, 'Notified team');
    const inTeam = { ...bearer(owner.session), 'pogodoc-team': teamId };
    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, inTeam);
    const people: Record<'ADMIN' | 'VIEWER', { session: string; email: string }> = {} as never;
    for (const role of ['ADMIN', 'VIEWER'] as const) {
      const person = await t.signUp({ email: address(role.toLowerCase()) });
      const invite = await t.gql(`mutation($e: String!) { inviteMember(email: $e, role: ${role}) { secret } }`, { e: person.email }, inTeam);
      await t.gql('mutation($s: String!) { acceptInvitation(secret: $s) { role } }', { s: invite.data.inviteMember.secret }, bearer(person.session));
      people[role] = person;
    }
    // a name a template must neither break nor run
    const name = '<b>Nightly</b> & "x"';
    const expiresAt = new Date(clock().getTime() + 8 * 24 * 60 * MINUTE).toISOString();
    const generated = await t.gql('mutation($n: String!, $at: DateTime) { generateToken(name: $n, expiresAt: $at) { token { id } } }', { n: name, at: expiresAt }, inTeam);
    expect(generated.errors).toBeUndefined();
    offsetMs = 36 * 60 * MINUTE;
    await t.app.services.audit.recordExpiringTokens();
    const ownerNotice = await mailTo(owner.email, /expires in 7 days$/);
    expect(ownerNotice.subject).toBe(`The API token “${name}” expires in 7 days`);
    expect(ownerNotice.html).toContain('&lt;b&gt;Nightly&lt;/b&gt; &amp; &#34;x&#34;');
    expect(ownerNotice.html).not.toContain('<b>Nightly</b>');
    expect(ownerNotice.text).toContain('Notified team');
    const adminNotice = await mailTo(people.ADMIN.email, /expires in 7 days$/);
    expect(sink.to(people.VIEWER.email).filter((mail) => /expires/.test(mail.subject ?? ''))).toHaveLength(0);

    // RFC 8058: one POST to the link, no session
    const unsubscribe = header(adminNotice, 'list-unsubscribe')!;
    expect(header(adminNotice, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const url = /<(https:\/\/dashboard\.example\.com\/mail\/unsubscribe\?[^>]+)>/.exec(unsubscribe)![1]!;
    const post = (link: string) => t.app.yoga.fetch(link.replace('https://dashboard.example.com', 'http://yoga'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect((await post(url.replace(/s=[^&]+/, 's=forged'))).status).toBe(404);
    expect((await t.app.yoga.fetch(url.replace('https://dashboard.example.com', 'http://yoga'))).status).toBe(200);
    const preferences = async (session: string) =>
      Object.fromEntries((await t.gql('{ notificationPreferences { kind enabled canTurnOff } }', {}, bearer(session))).data.notificationPreferences.map((p: { kind: string; enabled: boolean }) => [p.kind, p.enabled]));
    expect((await preferences(people.ADMIN.session)).TOKEN_EXPIRING).toBe(true);
    expect((await post(url)).status).toBe(200);
    expect((await preferences(people.ADMIN.session)).TOKEN_EXPIRING).toBe(false);

    // the day-before notice: the owner still gets it, the admin who unsubscribed does not
    offsetMs = 7 * 24 * 60 * MINUTE + 12 * 60 * MINUTE;
    await t.app.services.audit.recordExpiringTokens();
    await mailTo(owner.email, /expires in 1 day$/);
    expect(sink.to(people.ADMIN.email).filter((mail) => /expires in 1 day/.test(mail.subject ?? ''))).toHaveLength(0);
  });

  it('security notices cannot be turned off and carry no unsubscribe link; a new browser is told', async () => {
    const person = await t.signUp({ email: address() });
    const off = await t.gql('mutation { setNotificationPreference(kind: TOKEN_LEAKED, enabled: false) { kind } }', {}, bearer(person.session));
    expect(codes(off)).toEqual(['NOTIFICATION_REQUIRED']);
    const signIn = 'mutation($e: String!) { signIn(email: $e, password: "correct horse battery") { sessionToken } }';
    await t.gql(signIn, { e: person.email }, { 'user-agent': 'Firefox/200 (a new browser)' });
    const notice = await mailTo(person.email, /^Security notice: a new sign-in/);
    expect(notice.text).toContain('Firefox/200 (a new browser)');
    expect(header(notice, 'list-unsubscribe')).toBeUndefined();
    // the same browser again: nothing new
    await t.gql(signIn, { e: person.email }, { 'user-agent': 'Firefox/200 (a new browser)' });
    await deliver();
    expect(sink.to(person.email).filter((mail) => /new sign-in/.test(mail.subject ?? ''))).toHaveLength(1);
  });

  it('the quota warning at 80% goes to the owner with the reset date, once', async () => {
    const owner = await t.signUp({ email: address('quota'), plan: 'free' });
    const { secret } = await t.generateToken(owner.session, 'busy');
    for (let document = 0; document < 81; document++) expect((await t.renderDocument(secret)).errors).toBeUndefined();
    const warning = await mailTo(owner.email, /^Your account .+ has used 80 of 100 documents this month$/);
    expect(warning.text).toMatch(/until the quota resets on \d{4}-\d{2}-01/);
    expect(header(warning, 'list-unsubscribe')).toMatch(/^<https:\/\/dashboard\.example\.com\/mail\/unsubscribe\?/);
    expect(sink.to(owner.email).filter((mail) => /has used 80/.test(mail.subject ?? ''))).toHaveLength(1);
  });

  it('an unverified address gets no notifications', async () => {
    const person = await t.signUp({ email: address('quiet'), verified: false });
    await t.gql('mutation($e: String!) { signIn(email: $e, password: "correct horse battery") { sessionToken } }', { e: person.email }, { 'user-agent': 'Another/1' });
    await deliver();
    expect(sink.to(person.email).map((mail) => mail.subject)).toEqual(['Verify your e-mail address for Pogodoc']);
  });
});

describe('templates', () => {
  it('every kind renders a one-line subject, a text part and an HTML part with its facts', async () => {
    const templates = new MailTemplates();
    const context = {
      to: 'ada@example.com',
      dashboard_url: 'https://dashboard.example.com/',
      team_label: 'Billing',
      team_label_start: 'Billing',
      token_name: '“Nightly export”',
      at: '2026-12-06 09:15 UTC',
      client_address: '203.0.113.7',
      user_agent: 'Firefox/200',
      valid_until: '2026-12-07 09:15 UTC',
      action_url: 'https://dashboard.example.com/#verify=pgl_x',
      reset_date: '2027-01-01',
      details: { used: 80, quota: 100, period: '2026-12', daysBefore: 7, expiresAt: '2026-12-13T09:15:00.000Z', url: 'https://github.com/x', email: 'bo@example.com', role: 'ADMIN', invitedBy: 'ada@example.com', from: 'old@example.com', to: 'new@example.com', removedBy: 'ada@example.com' },
    };
    for (const kind of MAIL_KINDS) {
      const rendered = await templates.render(kind, context);
      expect(rendered.subject, kind).toMatch(/^[^\r\n]{10,}$/);
      expect(rendered.text, kind).not.toMatch(/\{\{|\{%|undefined|\[object Object\]/);
      expect(rendered.html, kind).toContain('<!doctype html>');
      expect(rendered.text.length, kind).toBeGreaterThan(rendered.subject.length);
    }
    const quota = await templates.render('QUOTA_WARNING', context);
    expect(quota.text).toContain('80 of its 100 documents for 2026-12');
    expect(quota.text).toContain('resets on 2027-01-01');
  });

  it('a value with line breaks cannot leave its line: no header, no second subject line', async () => {
    const rendered = await new MailTemplates().render('REMOVED_FROM_TEAM', {
      team_label: 'Team\r\nBcc: victim@example.com',
      details: { removedBy: 'a@example.com\nX-Injected: 1' },
      dashboard_url: 'https://dashboard.example.com/',
    });
    expect(rendered.subject).toBe('You were removed from TeamBcc: victim@example.com');
    expect(rendered.text).not.toMatch(/\nX-Injected/);
  });
});

describe('the dev mailbox', () => {
  it('without SMTP_URL, messages are readable at /dev/mailbox; in production it is not served and nothing is sent', async () => {
    const dev = await createTestApp({ smtpUrl: undefined, mailPollMs: 0 });
    try {
      const email = address('dev');
      await dev.signUp({ email, verified: false });
      await dev.app.services.mailDelivery.deliverDue();
      const mailbox = await (await dev.app.yoga.fetch('http://yoga/dev/mailbox')).json();
      expect(mailbox.messages.find((message: { to: string }) => message.to === email)).toMatchObject({ subject: 'Verify your e-mail address for Pogodoc' });
    } finally {
      await dev.close();
    }
    const production = await createTestApp({ smtpUrl: undefined, mailPollMs: 0, production: true });
    try {
      const response = await production.app.yoga.fetch('http://yoga/dev/mailbox');
      expect(response.headers.get('content-type') ?? '').not.toContain('application/json');
    } finally {
      await production.close();
    }
  });
});
