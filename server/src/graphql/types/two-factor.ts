// Two-factor authentication for the signed-in account: enrol an authenticator app (a QR code and
// one code), get ten recovery codes once, and turn it off with a code. A session only. Sign-in
// takes the code as signIn's twoFactorCode (types/account.ts).
import QRCode from 'qrcode';
import { RECOVERY_CODE_COUNT, type TwoFactorEnrolment } from '../../domain/two-factor.js';
import { builder } from '../builder.js';
import { actorOf } from '../audit-actor.js';
import { AccountType } from './account.js';

const TwoFactorEnrolmentType = builder.objectRef<TwoFactorEnrolment>('TwoFactorEnrolment').implement({
  description: 'An authenticator app to add: scan the QR code (or type the secret), then confirm with a code from the app.',
  fields: (t) => ({
    secret: t.exposeString('secret', { description: 'The key in base32, for apps that cannot scan.' }),
    otpauthUri: t.exposeString('otpauthUri', { description: 'The otpauth://totp/ link the QR code holds.' }),
    qrCodeSvg: t.string({
      description: 'The QR code as an SVG document, to show as it is.',
      resolve: (enrolment) => QRCode.toString(enrolment.otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
    }),
  }),
});

builder.objectFields(AccountType, (t) => ({
  twoFactorEnabled: t.boolean({
    description: 'Whether sign-in asks for a code from an authenticator app.',
    resolve: (account, _args, ctx) => ctx.services.twoFactor.isEnabled(account.id),
  }),
  recoveryCodesLeft: t.int({
    description: `Unused recovery codes, of the ${RECOVERY_CODE_COUNT} given when two-factor was turned on; 0 when it is off.`,
    resolve: (account, _args, ctx) => ctx.services.twoFactor.recoveryCodesLeft(account.id),
  }),
}));

builder.mutationFields((t) => ({
  startTwoFactorEnrolment: t.field({
    type: TwoFactorEnrolmentType,
    description: 'Starts adding an authenticator app; takes the current password. Two-factor is on only once confirmTwoFactor accepts a code from it.',
    args: { password: t.arg.string() },
    resolve: async (_root, { password }, ctx) => {
      const { account } = await ctx.viewerSession();
      // a stolen session alone must not put the thief's app on the account
      await ctx.services.accounts.confirmPassword(account, password);
      return ctx.services.twoFactor.startEnrolment(account.id, account.email);
    },
  }),
  confirmTwoFactor: t.stringList({
    description: `Turns two-factor on with a code from the app just added. Answers ${RECOVERY_CODE_COUNT} single-use recovery codes, shown this once: store them somewhere safe.`,
    args: { code: t.arg.string() },
    resolve: async (_root, { code }, ctx) => ctx.services.twoFactor.confirmEnrolment((await ctx.viewerSession()).account.id, code, await actorOf(ctx)),
  }),
  disableTwoFactor: t.boolean({
    description: 'Turns two-factor off; takes the current password and a current code or a recovery code.',
    args: { code: t.arg.string(), password: t.arg.string() },
    resolve: async (_root, { code, password }, ctx) => {
      const { account } = await ctx.viewerSession();
      await ctx.services.accounts.confirmPassword(account, password);
      await ctx.services.twoFactor.disable(account.id, code, await actorOf(ctx));
      return true;
    },
  }),
}));
