// Renders a message from its template file (templates/README.md): the subject, the text part, and
// the HTML part as the layout around the same paragraphs. Values never reach a header or the HTML
// unescaped: control characters are removed from every value before rendering (a name cannot end
// the subject line), the HTML engine escapes every output, and the subject is checked again.
import path from 'node:path';
import { Liquid } from 'liquidjs';
import type { MailKind } from '../domain/mail.js';
import { PROJECT_ROOT } from '../paths.js';

export const MAIL_TEMPLATES_DIR = path.join(PROJECT_ROOT, 'server', 'src', 'mail', 'templates');

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export type TemplateContext = Record<string, unknown> & { action_url?: string; unsubscribe_url?: string };

const CONTROL = '[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]';
const CONTROL_CHARACTERS = new RegExp(CONTROL, 'g');
const HAS_CONTROL_CHARACTER = new RegExp(CONTROL);

/** Every string in the values, with control characters (line breaks included) removed. */
export function plainValues<T>(value: T): T {
  if (typeof value === 'string') return value.replace(CONTROL_CHARACTERS, '') as T;
  if (Array.isArray(value)) return value.map(plainValues) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, plainValues(entry)])) as T;
  }
  return value;
}

export const templateFileOf = (kind: MailKind) => `${kind.toLowerCase().replaceAll('_', '-')}.liquid`;

const ACTION_LABELS: Partial<Record<MailKind, string>> = {
  VERIFY_EMAIL: 'Verify my address',
  PASSWORD_RESET: 'Choose a new password',
  TEAM_INVITATION: 'Accept the invitation',
};

export class MailTemplates {
  private readonly text = new Liquid({ root: MAIL_TEMPLATES_DIR, cache: true, timezoneOffset: 0, strictFilters: true });
  private readonly html = new Liquid({ root: MAIL_TEMPLATES_DIR, cache: true, timezoneOffset: 0, strictFilters: true, outputEscape: 'escape' });

  async render(kind: MailKind, context: TemplateContext): Promise<RenderedMail> {
    const values = plainValues(context);
    const rendered = await this.text.renderFile(templateFileOf(kind), values);
    const separator = rendered.indexOf('\n---\n');
    if (separator < 0) throw new Error(`the template of ${kind} has no subject line and --- under it`);
    const subject = rendered.slice(0, separator).trim();
    // the template's own text could still hold one; a header must never
    if (HAS_CONTROL_CHARACTER.test(subject) || subject === '') throw new Error(`the subject of ${kind} is empty or not one line`);
    const text = rendered.slice(separator + 5).trim();
    const paragraphs = text.split(/\n\s*\n/).map((paragraph: string) => paragraph.replace(/\s*\n\s*/g, ' ').trim());
    const html = await this.html.renderFile('layout.html', { ...values, subject, paragraphs, action_label: ACTION_LABELS[kind] ?? 'Open' });
    const footer = values.unsubscribe_url ? `\n\n--\nYou get this because of your notification settings. Stop these e-mails: ${values.unsubscribe_url}` : '';
    return { subject, text: `${text}${footer}\n`, html };
  }
}
