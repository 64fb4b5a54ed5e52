// Two-factor authentication: enrol an authenticator app with a code from it, sign in with the
// password and a code (each code once), or a recovery code (each once), and turn it off with a
// code. Codes are made here from the secret as an authenticator app makes them (otplib), on the
// real clock. Runs on SQLite and on PostgreSQL (API_SUITES).
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { TOKEN_SCOPE_NAMES } from '../src/domain/token-scopes.js';
import { bearer, codes, createTestApp, type GraphQLResponse, type TestApp } from './support/test-app.js';

const PASSWORD = 'correct horse battery';
const FAILURES_PER_ACCOUNT = 5;
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ limits: { ...limitsFromEnv({}), signInFailuresPerAccount: FAILURES_PER_ACCOUNT } });
});
afterAll(() => t?.close());

/** The code an authenticator app shows `stepsAhead` steps of 30 s from now. */
const codeFor = (secret: string, stepsAhead = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepsAhead * 30 });

const signIn = (email: string, twoFactorCode?: string): Promise<GraphQLResponse> =>
  t.gql('mutation($email: String!, $password: String!, $code: String) { signIn(email: $email, password: $password, twoFactorCode: $code) { sessionToken } }', {
    email,
    password: PASSWORD,
    code: twoFactorCode,
  });

async function enrol(session: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = await t.gql('mutation($password: String!) { startTwoFactorEnrolment(password: $password) { secret } }', { password: PASSWORD }, bearer(session));
  const { secret } = started.data.startTwoFactorEnrolment;
  const confirmed = await t.gql('mutation($code: String!) { confirmTwoFactor(code: $code) }', { code: await codeFor(secret) }, bearer(session));
  if (!confirmed.data) throw new Error(JSON.stringify(confirmed.errors));
  return { secret, recoveryCodes: confirmed.data.confirmTwoFactor };
}

const stateOf = async (session: string) => (await t.gql('{ viewer { twoFactorEnabled recoveryCodesLeft } }', {}, bearer(session))).data.viewer;

const eventsOf = async (session: string, types: string[]) => {
  const log = await t.gql('query($types: [AuditEventType!]) { auditEventConnection(first: 20, types: $types) { edges { node { type details } } } }', { types }, bearer(session));
  return log.data.auditEventConnection.edges.map((edge: { node: { type: string; details: string | null } }) => edge.node);
};

describe('enrolling an authenticator app', () => {
  it('shows a secret, its otpauth link and a QR code; a code from it turns two-factor on and gives ten recovery codes once', async () => {
    const { session, email } = await t.signUp();
    // the password first: a stolen session alone cannot put another app on the account
    const withoutPassword = await t.gql('mutation { startTwoFactorEnrolment(password: "not the password") { secret } }', {}, bearer(session));
    expect(codes(withoutPassword)).toEqual(['PASSWORD_INCORRECT']);
    const started = await t.gql('mutation($password: String!) { startTwoFactorEnrolment(password: $password) { secret otpauthUri qrCodeSvg } }', { password: PASSWORD }, bearer(session));
    const { secret, otpauthUri, qrCodeSvg } = started.data.startTwoFactorEnrolment;
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    expect(decodeURIComponent(otpauthUri)).toContain(email);
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(qrCodeSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    // not on before a code confirms it
    expect(await stateOf(session)).toEqual({ twoFactorEnabled: false, recoveryCodesLeft: 0 });
    expect(codes(await t.gql('mutation { confirmTwoFactor(code: "000000") }', {}, bearer(session)))).toEqual(['TWO_FACTOR_INVALID']);

    const confirmed = await t.gql('mutation($code: String!) { confirmTwoFactor(code: $code) }', { code: await codeFor(secret) }, bearer(session));
    const recoveryCodes = confirmed.data.confirmTwoFactor as string[];
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(await stateOf(session)).toEqual({ twoFactorEnabled: true, recoveryCodesLeft: 10 });
    expect((await eventsOf(session, ['TWO_FACTOR_ENABLED'])).map((event: { type: string }) => event.type)).toEqual(['TWO_FACTOR_ENABLED']);
    // enrolling again needs turning it off first
    expect(codes(await t.gql('mutation($password: String!) { startTwoFactorEnrolment(password: $password) { secret } }', { password: PASSWORD }, bearer(session)))).toEqual([
      'TWO_FACTOR_ALREADY_ENABLED',
    ]);
    // the database keeps hashes of the recovery codes, never the codes
    const stored = await t.app.database.prisma.recoveryCode.findMany({ select: { codeHash: true } });
    for (const code of recoveryCodes) expect(JSON.stringify(stored)).not.toContain(code);
  });

  it('is a session operation: no API token enrols, confirms or turns it off, whatever its scopes', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const made = await t.gql('mutation($scopes: [TokenScope!]) { generateToken(name: "all", scopes: $scopes) { secret } }', { scopes: TOKEN_SCOPE_NAMES }, bearer(session));
    const token = made.data.generateToken.secret as string;
    expect(codes(await t.gql('mutation { startTwoFactorEnrolment(password: "x") { secret } }', {}, bearer(token)))).toEqual(['SESSION_REQUIRED']);
    expect(codes(await t.gql('mutation { confirmTwoFactor(code: "123456") }', {}, bearer(token)))).toEqual(['SESSION_REQUIRED']);
    expect(codes(await t.gql('mutation { disableTwoFactor(code: "123456", password: "x") }', {}, bearer(token)))).toEqual(['SESSION_REQUIRED']);
  });
});

describe('signing in with two-factor on', () => {
  it('asks for a code after the password; a wrong one is a failed sign-in; a code works once', async () => {
    const { session, email } = await t.signUp();
    const { secret } = await enrol(session);

    const asked = await signIn(email);
    expect(codes(asked)).toEqual(['TWO_FACTOR_REQUIRED']);
    expect(asked.data?.signIn ?? null).toBeNull();
    expect(codes(await signIn(email, '000000'))).toEqual(['TWO_FACTOR_INVALID']);
    // the code the enrolment was confirmed with is spent; the app's next one signs in, once
    const next = await codeFor(secret, 1);
    const signedIn = await signIn(email, next);
    expect(signedIn.errors).toBeUndefined();
    expect(signedIn.data.signIn.sessionToken).toMatch(/^pgs_/);
    expect(codes(await signIn(email, next))).toEqual(['TWO_FACTOR_INVALID']);

    const failures = await eventsOf(session, ['SIGN_IN_FAILED']);
    expect(failures.map((event: { details: string }) => JSON.parse(event.details))).toEqual([{ reason: 'TWO_FACTOR_INVALID' }, { reason: 'TWO_FACTOR_INVALID' }]);
  });

  it('a recovery code signs in once, and says so in the log; the password alone never does', async () => {
    const { session, email } = await t.signUp();
    const { recoveryCodes } = await enrol(session);
    const [first] = recoveryCodes as [string];
    // typed with capitals and without the dash, as people do
    expect((await signIn(email, first.toUpperCase().replace('-', ''))).errors).toBeUndefined();
    expect(codes(await signIn(email, first))).toEqual(['TWO_FACTOR_INVALID']);
    expect(await stateOf(session)).toEqual({ twoFactorEnabled: true, recoveryCodesLeft: 9 });
    expect((await eventsOf(session, ['RECOVERY_CODE_USED'])).length).toBe(1);
    expect(codes(await signIn(email))).toEqual(['TWO_FACTOR_REQUIRED']);
  });

  it(`wrong codes are limited like wrong passwords: past ${FAILURES_PER_ACCOUNT}, RATE_LIMITED even with the right code`, async () => {
    const { session, email } = await t.signUp();
    const { secret } = await enrol(session);
    for (let i = 0; i < FAILURES_PER_ACCOUNT; i++) expect(codes(await signIn(email, String(100000 + i)))).toEqual(['TWO_FACTOR_INVALID']);
    expect(codes(await signIn(email, await codeFor(secret, 1)))).toEqual(['RATE_LIMITED']);
  });
});

const DISABLE = 'mutation($code: String!, $password: String!) { disableTwoFactor(code: $code, password: $password) }';

describe('turning two-factor off', () => {
  it('takes the password and a valid code or recovery code, not the session alone; then the password signs in by itself', async () => {
    const { session, email } = await t.signUp();
    const { recoveryCodes } = await enrol(session);
    expect(codes(await t.gql(DISABLE, { code: '000000', password: PASSWORD }, bearer(session)))).toEqual(['TWO_FACTOR_INVALID']);
    expect(codes(await t.gql(DISABLE, { code: recoveryCodes[3], password: 'not the password' }, bearer(session)))).toEqual(['PASSWORD_INCORRECT']);
    expect((await stateOf(session)).twoFactorEnabled).toBe(true);
    const off = await t.gql(DISABLE, { code: recoveryCodes[3], password: PASSWORD }, bearer(session));
    expect(off.data.disableTwoFactor).toBe(true);
    expect(await stateOf(session)).toEqual({ twoFactorEnabled: false, recoveryCodesLeft: 0 });
    expect((await signIn(email)).errors).toBeUndefined();
    expect(codes(await t.gql(DISABLE, { code: '000000', password: PASSWORD }, bearer(session)))).toEqual(['TWO_FACTOR_NOT_ENABLED']);
    expect((await eventsOf(session, ['TWO_FACTOR_DISABLED'])).length).toBe(1);
  });
});

describe('guessing codes from a stolen session', () => {
  it(`is limited per account: past ${FAILURES_PER_ACCOUNT} wrong codes, RATE_LIMITED even with the right code`, async () => {
    const { session } = await t.signUp();
    const { secret } = await enrol(session);
    for (let i = 0; i < FAILURES_PER_ACCOUNT; i++) {
      expect(codes(await t.gql(DISABLE, { code: String(200000 + i), password: PASSWORD }, bearer(session)))).toEqual(['TWO_FACTOR_INVALID']);
    }
    expect(codes(await t.gql(DISABLE, { code: await codeFor(secret, 1), password: PASSWORD }, bearer(session)))).toEqual(['RATE_LIMITED']);
    expect((await stateOf(session)).twoFactorEnabled).toBe(true);
    // aliases do not multiply guesses: mutations run one after another, and the first refusal ends the request
    const aliased = Array.from({ length: 3 }, (_, i) => `g${i}: disableTwoFactor(code: "${String(300000 + i)}", password: "${PASSWORD}")`).join(' ');
    expect(codes(await t.gql(`mutation { ${aliased} }`, {}, bearer(session)))).toEqual(['RATE_LIMITED']);
  });
});
