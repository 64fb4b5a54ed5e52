// The `next` message graphql-ws sends our documentCount subscribers, for the bare baselines to
// broadcast the same bytes.
export function countFrame(tokenId: string, documentCount: number): string {
  return JSON.stringify({ id: '1', type: 'next', payload: { data: { documentCount: { tokenId, documentCount, lastUsedAt: new Date().toISOString() } } } });
}
