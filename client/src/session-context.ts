import { createContext } from 'preact';

/**
 * True while the session has expired and the sign-in form is up. The page stays mounted behind it
 * (the user's place is kept), but an open dialog closes: a modal would keep the form inert.
 */
export const SessionExpiredContext = createContext(false);
