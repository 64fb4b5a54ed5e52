// Templates are Liquid (liquidjs): a logic-light language with no access to JavaScript,
// the filesystem or the prototype chain (ownPropertyOnly), and with limits on parse and
// render work so that a hostile template cannot spin the CPU or fill memory.
import { Liquid } from 'liquidjs';
import { DomainError } from '../domain/errors.js';
import type { TemplateData, TemplateRenderer } from '../domain/documents.js';

export class LiquidTemplateRenderer implements TemplateRenderer {
  private readonly engine = new Liquid({
    ownPropertyOnly: true,
    strictFilters: true,
    // No {% include %} or {% render %} of files: templates come only from the request.
    relativeReference: false,
    root: [],
    partials: [],
    layouts: [],
    parseLimit: 64 * 1024,
    renderLimit: 1000, // milliseconds of render work
    memoryLimit: 16 * 1024 * 1024,
  });

  async render(template: string, data: TemplateData): Promise<string> {
    let parsed;
    try {
      parsed = this.engine.parse(template);
    } catch (error) {
      throw new DomainError('TEMPLATE_INVALID', `The template could not be parsed: ${describe(error)}`);
    }
    try {
      return await this.engine.render(parsed, data);
    } catch (error) {
      throw new DomainError('RENDER_FAILED', `The template could not be rendered: ${describe(error)}`);
    }
  }
}

// liquidjs messages name the problem and its line, and contain nothing of ours.
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 200);
}
