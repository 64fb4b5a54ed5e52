// The connection status for components: the status line reads it, and actions use it to drop
// an error about the outage once the connection is back ("errors clear when they stop being true").
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { CombinedError } from '@urql/core';
import type { ConnectionState, ConnectionStatus } from './connection-status';
import { errorCode } from './error-messages';

export const ConnectionContext = createContext<ConnectionStatus | null>(null);

export function useConnection(): { state: ConnectionState; recoveries: number } {
  const status = useContext(ConnectionContext);
  const [, setChanges] = useState(0);
  useEffect(() => status?.subscribe(() => setChanges((n) => n + 1)), [status]);
  return { state: status?.state ?? 'live', recoveries: status?.recoveries ?? 0 };
}

/**
 * The error to show: a failed request's error, unless it said the server could not be reached
 * and the connection has come back since. SESSION_EXPIRED is never shown in place: the sign-in
 * form takes over the page and says it once (app.tsx).
 */
export function useCurrentError(error: CombinedError | undefined): CombinedError | undefined {
  const { recoveries } = useConnection();
  const seenAt = useRef<{ error: CombinedError; recoveries: number } | null>(null);
  if (error && seenAt.current?.error !== error) seenAt.current = { error, recoveries };
  if (!error || errorCode(error) === 'SESSION_EXPIRED') return undefined;
  const outdated = Boolean(error.networkError) && seenAt.current!.recoveries !== recoveries;
  return outdated ? undefined : error;
}
