// Templates are Liquid (liquidjs): a logic-light language with no access to JavaScript,
// the filesystem or the prototype chain (ownPropertyOnly), and with limits on parse and
// render work so that a hostile template cannot spin the CPU or fill memory.
import { Liquid, type Template } from 'liquidjs';
import { LRUCache } from 'lru-cache';
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

  // Integrators send the same few templates over and over with different data, and parsing was
  // the larger part of rendering them. Parsed templates are immutable, so one serves every
  // render. Bounded by the size of the template text (a parse tree is a small multiple of it).
  private readonly parsedTemplates = new LRUCache<string, Template[]>({
    maxSize: 8 * 1024 * 1024,
    sizeCalculation: (_parsed, template) => Math.max(1, template.length),
  });

  async render(template: string, data: TemplateData): Promise<string> {
    let parsed = this.parsedTemplates.get(template);
    if (!parsed) {
      try {
        parsed = this.engine.parse(template);
      } catch (error) {
        throw new DomainError('TEMPLATE_INVALID', `The template could not be parsed: ${describe(error)}`);
      }
      this.parsedTemplates.set(template, parsed);
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
