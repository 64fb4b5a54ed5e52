// Live document counts. Topics are scoped per account, so an event reaches only the
// subscribers of the account whose token made the document.
import { createPubSub } from 'graphql-yoga';

export interface DocumentCountChange {
  tokenId: string;
  documentCount: number;
  lastUsedAt: Date | null;
}

export function createDocumentCountEvents() {
  return createPubSub<{ documentCount: [accountId: string, change: DocumentCountChange] }>();
}

export type DocumentCountEvents = ReturnType<typeof createDocumentCountEvents>;
