import { useConnection } from '../connection-context';

const WORDS = { live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' } as const;
const DETAILS = {
  live: 'Document counts update as they happen.',
  reconnecting: 'The connection to Pogodoc dropped. Counts resume when it is back.',
  offline: 'Pogodoc cannot be reached. The page keeps trying and catches up when it is back.',
} as const;

/** The link's state in words (not colour alone), announced politely as it changes. */
export function ConnectionIndicator() {
  const { state } = useConnection();
  return (
    <p class={`connection connection-${state}`} role="status" data-testid="connection" title={DETAILS[state]}>
      <span class="connection-dot" aria-hidden="true" />
      <span>{WORDS[state]}</span>
      {state !== 'live' && <span class="visually-hidden"> {DETAILS[state]}</span>}
    </p>
  );
}
