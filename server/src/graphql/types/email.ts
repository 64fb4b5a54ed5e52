// The person's e-mail address (verifying and changing it), the password reset, and which
// notifications they get by mail.
import { NOTIFICATION_KINDS } from '../../domain/mail.js';
import type { NotificationPreference } from '../../domain/notification-preferences.js';
import { forAnyone } from '../authorization.js';
import { actorOf, anonymousActor } from '../audit-actor.js';
import { builder } from '../builder.js';
import { AccountType } from './account.js';

const NotificationKindEnum = builder.enumType('NotificationKind', {
  description: 'A kind of notification sent by mail. TOKEN_LEAKED and NEW_SIGN_IN are security notices: always sent.',
  values: NOTIFICATION_KINDS,
});

const NotificationPreferenceType = builder.objectRef<NotificationPreference>('NotificationPreference').implement({
  description: 'Whether you get one kind of notification by mail. Notifications go to verified addresses only; a team’s go to its owners and admins.',
  fields: (t) => ({
    kind: t.field({ type: NotificationKindEnum, resolve: (preference) => preference.kind }),
    enabled: t.exposeBoolean('enabled'),
    canTurnOff: t.exposeBoolean('canTurnOff', { description: 'False for security notices, which are always sent.' }),
  }),
});

builder.objectField(AccountType, 'emailVerified', (t) =>
  t.boolean({
    description: 'Whether the person proved they read mail at this address (false for a team). Invitations and notifications need it.',
    resolve: (account) => account.emailVerifiedAt !== null,
  }),
);

builder.queryFields((t) => ({
  notificationPreferences: t.field({
    type: [NotificationPreferenceType],
    description: 'Which notifications you get by mail, one entry per kind.',
    resolve: async (_root, _args, ctx) => ctx.services.notifications.list((await ctx.viewerSession()).account.id),
  }),
}));

builder.mutationFields((t) => ({
  sendVerificationEmail: t.boolean({
    description: 'Sends a new verification link to your address; the previous link stops working. At most 5 an hour.',
    resolve: async (_root, _args, ctx) => {
      await ctx.services.emailAddresses.sendVerification((await ctx.viewerSession()).account);
      return true;
    },
  }),
  verifyEmail: t.boolean({
    ...forAnyone,
    description: 'Follows a verification link: its token (the part after #verify= in the link) verifies the address it was sent to. Works once, for 24 hours, without signing in.',
    args: { token: t.arg.string() },
    resolve: async (_root, { token }, ctx) => {
      await ctx.services.emailAddresses.verify(token, anonymousActor(ctx));
      return true;
    },
  }),
  changeEmail: t.field({
    type: AccountType,
    description: 'Changes your sign-in address, confirmed with your password. The new address is unverified until you follow the link sent to it; the old one is told.',
    args: { email: t.arg.string(), password: t.arg.string() },
    resolve: async (_root, { email, password }, ctx) => {
      const session = await ctx.viewerSession();
      await ctx.services.emailAddresses.changeEmail(session.account, email, password, await actorOf(ctx));
      return (await ctx.services.accounts.findPerson(session.account.id)) ?? session.account;
    },
  }),
  requestPasswordReset: t.boolean({
    ...forAnyone,
    description: 'Mails a password reset link (valid 1 hour) if the address has an account. The answer is true either way, so it says nothing about which addresses have accounts.',
    args: { email: t.arg.string() },
    resolve: async (_root, { email }, ctx) => {
      await ctx.services.emailAddresses.requestPasswordReset(email, ctx.clientAddress, anonymousActor(ctx));
      return true;
    },
  }),
  resetPassword: t.boolean({
    ...forAnyone,
    description: 'Sets a new password with a reset link’s token (after #reset= in the link). Every session of the account is signed out; sign in with the new password.',
    args: { token: t.arg.string(), password: t.arg.string() },
    resolve: async (_root, { token, password }, ctx) => {
      await ctx.services.emailAddresses.resetPassword(token, password, anonymousActor(ctx));
      return true;
    },
  }),
  setNotificationPreference: t.field({
    type: [NotificationPreferenceType],
    description: 'Turns one kind of notification on or off for you. Security notices cannot be turned off (NOTIFICATION_REQUIRED).',
    args: { kind: t.arg({ type: NotificationKindEnum }), enabled: t.arg.boolean() },
    resolve: async (_root, { kind, enabled }, ctx) => ctx.services.notifications.set((await ctx.viewerSession()).account.id, kind, enabled),
  }),
}));
