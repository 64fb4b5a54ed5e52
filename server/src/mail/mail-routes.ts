// The mail's HTTP routes, as Yoga plugins that answer before any GraphQL work:
// - /mail/unsubscribe: the one-click unsubscribe of RFC 8058 (a POST from the mail client, with
//   the body List-Unsubscribe=One-Click), and for a person who opens the link, a page whose button
//   sends that POST. The link's signature is the credential: no session, no CSRF header.
// - /dev/mailbox: the dev mailbox's messages as JSON, only without SMTP_URL and never in production.
import type { Plugin } from 'graphql-yoga';
import type { DevMailbox } from './mail-transport.js';

export const UNSUBSCRIBE_PATH = '/mail/unsubscribe';
export const DEV_MAILBOX_PATH = '/dev/mailbox';

export interface MailRoutesOptions {
  unsubscribe(personId: string, kind: string, signature: string): Promise<boolean>;
  /** Set only where /dev/mailbox is served. */
  devMailbox?: DevMailbox;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

const page = (fetchAPI: { Response: typeof Response }, status: number, title: string, body: string) =>
  new fetchAPI.Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>` +
      `<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5"><h1 style="font-size:1.4rem">${escapeHtml(title)}</h1>${body}</body></html>`,
    { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } },
  );

export function mailRoutes(options: MailRoutesOptions): { paths: ReadonlySet<string>; plugins: Plugin[] } {
  const paths = new Set([UNSUBSCRIBE_PATH]);
  const plugins: Plugin[] = [
    {
      onRequest({ url, request, endResponse, fetchAPI }) {
        if (url.pathname !== UNSUBSCRIBE_PATH) return;
        const personId = url.searchParams.get('u') ?? '';
        const kind = url.searchParams.get('k') ?? '';
        const signature = url.searchParams.get('s') ?? '';
        const what = kind.toLowerCase().replaceAll('_', ' ');
        if (request.method === 'GET') {
          // opening the link changes nothing (mail scanners open links); the button does
          endResponse(
            page(fetchAPI, 200, 'Stop these e-mails?', `<p>Stop the e-mails about: <strong>${escapeHtml(what)}</strong>. You can turn them on again in the dashboard under Notifications.</p>` +
              `<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit" style="font:inherit;padding:.5rem 1rem">Unsubscribe</button></form>`),
          );
          return;
        }
        if (request.method !== 'POST') {
          endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, POST' } }));
          return;
        }
        return options.unsubscribe(personId, kind, signature).then(
          (done) =>
            endResponse(
              done
                ? page(fetchAPI, 200, 'Unsubscribed', `<p>You will get no more e-mails about: <strong>${escapeHtml(what)}</strong>. Turn them on again in the dashboard under Notifications.</p>`)
                : page(fetchAPI, 404, 'This link does not work', '<p>It may have been copied incompletely. Change your notifications in the dashboard instead.</p>'),
            ),
          () => endResponse(page(fetchAPI, 503, 'Please try again', '<p>We could not save that just now. Try again in a minute.</p>')),
        );
      },
    },
  ];
  const { devMailbox } = options;
  if (devMailbox) {
    paths.add(DEV_MAILBOX_PATH);
    plugins.push({
      onRequest({ url, endResponse, fetchAPI }) {
        if (url.pathname !== DEV_MAILBOX_PATH) return;
        endResponse(new fetchAPI.Response(JSON.stringify({ messages: devMailbox.messages() }), { headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } }));
      },
    });
  }
  return { paths, plugins };
}
