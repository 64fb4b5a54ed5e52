// What the page knows about its link to the server, for the status line and for re-reading the
// lists after an outage. Both transports report here: the graphql-ws socket (live counts) and
// the fetches (queries and mutations). While either is down, a probe of /health finds out when
// the server answers again, so a page with no subscription (no plan yet) also recovers.

export type ConnectionState = 'live' | 'reconnecting' | 'offline';

/** Failed reconnection attempts after which the page says "Offline" rather than "Reconnecting…". */
const OFFLINE_AFTER_FAILED_ATTEMPTS = 3;
const PROBE_INTERVAL_MS = 2_000;

export interface ConnectionStatus {
  readonly state: ConnectionState;
  /** How many times the connection came back; components clear errors that were about the outage. */
  readonly recoveries: number;
  subscribe(listener: () => void): () => void;
  socketRetrying(failedAttempts: number): void;
  socketConnected(): void;
  fetchFailed(): void;
  fetchSucceeded(): void;
  dispose(): void;
}

export function createConnectionStatus(origin: string, onRecovered: () => void): ConnectionStatus {
  let state: ConnectionState = 'live';
  let recoveries = 0;
  let probe: ReturnType<typeof setTimeout> | undefined;
  // while the socket is between attempts, only the socket itself can say it is live again
  let socketDown = false;
  const listeners = new Set<() => void>();

  const set = (next: ConnectionState) => {
    if (next === state) return;
    const recovered = next === 'live';
    state = next;
    if (recovered) {
      recoveries += 1;
      stopProbe();
      onRecovered();
    } else {
      startProbe();
    }
    for (const listener of listeners) listener();
  };

  const stopProbe = () => {
    clearTimeout(probe);
    probe = undefined;
  };
  const startProbe = () => {
    if (probe !== undefined) return;
    const attempt = () => {
      probe = setTimeout(() => {
        fetch(`${origin}/health`, { cache: 'no-store' }).then(
          (response) => (response.ok && !socketDown ? set('live') : attempt()),
          () => attempt(),
        );
      }, PROBE_INTERVAL_MS);
    };
    attempt();
  };

  return {
    get state() {
      return state;
    },
    get recoveries() {
      return recoveries;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    socketRetrying(failedAttempts) {
      socketDown = true;
      set(failedAttempts >= OFFLINE_AFTER_FAILED_ATTEMPTS || !navigator.onLine ? 'offline' : 'reconnecting');
    },
    socketConnected() {
      socketDown = false;
      set('live');
    },
    fetchFailed: () => set(state === 'live' ? 'reconnecting' : state),
    fetchSucceeded: () => {
      if (!socketDown) set('live');
    },
    dispose: stopProbe,
  };
}
