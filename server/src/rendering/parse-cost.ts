// What a parsed template holds on the heap, for the renderer processes' parse cache
// (render-process.ts).
//
// Measured on liquidjs 10.30 (server/test/render-isolation.test.ts measures it again): text
// outside Liquid markup costs about a byte of heap per character, and markup up to about 170
// bytes per character. The densest shapes are {{a}}{{a}}…, a{{a}}a{{a}}… and one-character lines
// in {% liquid %}: a 64 KiB template of them parses to 8.8-10 MiB. So counting characters, as a
// cache bounded by template length does, undercounts such a template about 150 times.
export const MARKUP_BYTES_PER_CHAR = 256;
export const TEXT_BYTES_PER_CHAR = 2;
const ENTRY_BYTES = 1024;

/**
 * Characters inside {{ … }} and {% … %}, at least as many as liquidjs reads as markup: quoted
 * strings may hide a closing delimiter, so they are skipped (with backslash escapes, which can
 * only make a region longer), and an unclosed region runs to the end.
 */
export function markupLength(template: string): number {
  let total = 0;
  let index = 0;
  const { length } = template;
  // the next of each opener, searched again only once passed: searching for both from every
  // region would walk the rest of the template once per region
  const next = (opener: string, from: number) => {
    const at = template.indexOf(opener, from);
    return at < 0 ? Infinity : at;
  };
  let output = next('{{', 0);
  let tag = next('{%', 0);
  for (;;) {
    if (output < index) output = next('{{', index);
    if (tag < index) tag = next('{%', index);
    const start = Math.min(output, tag);
    if (start === Infinity) break;
    const closer = template[start + 1] === '{' ? '}' : '%';
    let end = start + 2;
    while (end < length) {
      const char = template[end];
      if (char === '"' || char === "'") {
        end++;
        while (end < length && template[end] !== char) end += template[end] === '\\' ? 2 : 1;
        end++;
      } else if (char === closer && template[end + 1] === '}') {
        end += 2;
        break;
      } else {
        end++;
      }
    }
    end = Math.min(end, length);
    total += end - start;
    index = end;
  }
  return total;
}

/** An upper bound of the heap, in bytes, that the parse of `template` holds. */
export function parsedTemplateCost(template: string): number {
  const markup = markupLength(template);
  return MARKUP_BYTES_PER_CHAR * markup + TEXT_BYTES_PER_CHAR * (template.length - markup) + ENTRY_BYTES;
}
