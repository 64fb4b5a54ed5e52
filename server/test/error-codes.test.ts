// One list of error codes: what the code can answer, what the schema publishes and what the
// error-code table in docs/api.md explains are the same codes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/domain/error-codes.js';
import { schema } from '../src/graphql/schema.js';

const listed = Object.keys(ERROR_CODES).sort();

describe('the error codes', () => {
  it('the schema publishes every code as the ErrorCode enum', () => {
    const enumType = schema.getType('ErrorCode') as { getValues(): Array<{ name: string }> } | undefined;
    expect(enumType?.getValues().map((value) => value.name).sort()).toEqual(listed);
  });

  it("the error-code table in docs/api.md explains exactly the listed codes", () => {
    const readme = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('\n## ', readme.indexOf('## Error codes') + 1));
    const documented = new Set<string>();
    for (const line of section.split('\n')) {
      if (!line.startsWith('| `')) continue;
      const firstCell = line.split('|')[1]!;
      for (const [, code] of firstCell.matchAll(/`([A-Z_]+)`/g)) documented.add(code!);
    }
    expect([...documented].sort()).toEqual(listed);
  });
});
