// Every list that grows without bound is a Relay connection (@pothos/plugin-relay), paged forward
// from its newest row: tokenConnection (types/token-connection.ts) and auditEventConnection
// (types/audit-event.ts). What the cursors hold and how a page is read is each domain's.
import { DomainError } from '../domain/errors.js';

/** Refuses `last` and `before`, which the connection arguments carry but no list here serves. */
export function refuseBackwardPaging({ last, before }: { last?: number | null; before?: string | null }): void {
  if (last != null || before != null) throw new DomainError('BAD_USER_INPUT', 'Page forward with "first" and "after"; "last" and "before" are not supported.');
}

/** A page in Relay's shape: each node with its cursor, and where the page starts and ends. */
export function forwardPage<Node>(nodes: readonly Node[], cursorOf: (node: Node) => string, hasNextPage: boolean, after: string | null | undefined) {
  const edges = nodes.map((node) => ({ node, cursor: cursorOf(node) }));
  return {
    edges,
    pageInfo: { hasNextPage, hasPreviousPage: after != null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
