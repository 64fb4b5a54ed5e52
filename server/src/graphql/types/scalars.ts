import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder } from '../builder.js';

builder.scalarType('DateTime', {
  description: 'An ISO-8601 timestamp in UTC, e.g. "2026-11-28T09:30:00.000Z".',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string.');
    return date;
  },
});

/**
 * A JSON literal written inline in a query, with the variables it references. Iterative: the
 * parser's token limit keeps literals shallow today, but nesting must never be able to overflow
 * the stack here (the data's depth limit is the domain's, DATA_MAX_DEPTH).
 */
function literalToJson(root: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  const result: { value?: unknown } = {};
  // each entry: a node, and the object property or array slot its value goes to
  const pending: Array<{ node: ValueNode; into: Record<string, unknown> | unknown[]; key: string | number }> = [
    { node: root, into: result as Record<string, unknown>, key: 'value' },
  ];
  while (pending.length > 0) {
    const { node, into, key } = pending.pop()!;
    let value: unknown;
    switch (node.kind) {
      case Kind.STRING:
      case Kind.BOOLEAN:
        value = node.value;
        break;
      case Kind.INT:
      case Kind.FLOAT:
        value = Number(node.value);
        break;
      case Kind.NULL:
        value = null;
        break;
      case Kind.VARIABLE:
        value = variables?.[node.name.value];
        break;
      case Kind.LIST: {
        const list: unknown[] = new Array(node.values.length);
        node.values.forEach((item, index) => pending.push({ node: item, into: list, key: index }));
        value = list;
        break;
      }
      case Kind.OBJECT: {
        const object: Record<string, unknown> = {};
        for (const field of node.fields) {
          // defined in the literal's order now, filled in later; an own property even for "__proto__", as in JSON.parse
          Object.defineProperty(object, field.name.value, { value: undefined, enumerable: true, writable: true, configurable: true });
          pending.push({ node: field.value, into: object, key: field.name.value });
        }
        value = object;
        break;
      }
      default:
        throw new GraphQLError('Unsupported JSON literal.');
    }
    if (Array.isArray(into)) into[key as number] = value;
    else Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result.value;
}

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (node, variables) => literalToJson(node, variables),
});
