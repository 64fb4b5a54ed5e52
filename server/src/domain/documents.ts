// Documents: the one operation an API token is for. Each successful render counts one
// document on the token that made it; a failed one counts nothing.
import type { ApiTokenService } from './api-tokens.js';
import { ApiTokenDeletedError, DomainError } from './errors.js';
import type { TokenStore } from './ports.js';
import type { RateLimiters } from './rate-limits.js';

export const TEMPLATE_MAX_BYTES = 64 * 1024;
export const DATA_MAX_BYTES = 256 * 1024;

export type TemplateData = Record<string, unknown>;

/** Renders a template with data. Throws a DomainError (TEMPLATE_INVALID, RENDER_FAILED) on bad templates. */
export interface TemplateRenderer {
  render(template: string, data: TemplateData): Promise<string>;
}

export interface RenderedDocument {
  content: string;
  tokenId: string;
  accountId: string;
  /** The token's document count after this document. */
  documentCount: number;
  /** When the token was used for this document: its new lastUsedAt. */
  usedAt: Date;
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

function checkInput(template: string, data: unknown): asserts data is TemplateData {
  if (byteLength(template) > TEMPLATE_MAX_BYTES) {
    throw new DomainError('TEMPLATE_TOO_LARGE', `Templates can be at most ${TEMPLATE_MAX_BYTES / 1024} KiB.`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new DomainError('DATA_INVALID', 'The data must be a JSON object, like {"name": "Ada"}.');
  }
  if (byteLength(JSON.stringify(data)) > DATA_MAX_BYTES) {
    throw new DomainError('DATA_TOO_LARGE', `The data can be at most ${DATA_MAX_BYTES / 1024} KiB of JSON.`);
  }
}

export class DocumentService {
  constructor(
    private readonly apiTokens: ApiTokenService,
    private readonly tokens: TokenStore,
    private readonly renderer: TemplateRenderer,
    private readonly limits: Pick<RateLimiters, 'documentsPerToken'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async renderDocument(bearer: string | undefined, template: string, data: unknown, clientAddress: string): Promise<RenderedDocument> {
    const token = await this.apiTokens.authenticate(bearer, clientAddress);
    await this.limits.documentsPerToken.consume(token.id);
    checkInput(template, data);
    const content = await this.renderer.render(template, data);
    // Counted only after a successful render, in one atomic UPDATE that also re-checks
    // that the token is still active: a delete that lands mid-render wins.
    const usedAt = this.now();
    const documentCount = await this.tokens.recordDocument(token.id, usedAt);
    if (documentCount === null) throw new ApiTokenDeletedError();
    return { content, tokenId: token.id, accountId: token.accountId, documentCount, usedAt };
  }
}
