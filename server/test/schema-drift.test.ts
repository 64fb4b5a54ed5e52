import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSchemaSdl } from '../src/graphql/print-schema.js';

describe('schema.graphql', () => {
  it('is exactly what the Pothos schema prints (run `npm run schema:print` after a schema change)', () => {
    const checkedIn = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(checkedIn).toBe(printSchemaSdl());
  });
});
