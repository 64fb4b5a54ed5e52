// Where the dashboard is, in the address: the fragment names the view, so a reload, a bookmark and
// the back button keep the person's place. The server serves index.html for `/` only; a fragment
// never reaches it, so the routing needs nothing on its side.
//
//   (none) or #tokens   the token list, Active tab        #token/<id>   that token's Details
//   #tokens/deleted     the token list, Deleted tab       #activity, #members, #security,
//                                                         #notifications, #webhooks: a section
//
// The e-mail links' fragments (#verify=, #reset=, #invitation=; link-fragment.ts) come first: while
// one is in the address it stays there untouched, and the view lives in history.state alone, so
// the back button still works and the secret is not pushed out of the address before it is used.
// The Activity filter lives in the query string (activity-filter.ts), which this module keeps.
import { useEffect, useState } from 'preact/hooks';
import { isLinkFragment } from './link-fragment';

export type TokenListTab = 'ACTIVE' | 'DELETED';
export const SECTIONS = ['activity', 'members', 'security', 'notifications', 'webhooks'] as const;
export type Section = (typeof SECTIONS)[number];

export type ViewRoute =
  | { view: 'tokens'; tab: TokenListTab }
  /** `tab`: the list behind the dialog, where closing it goes. */
  | { view: 'token'; id: string; tab: TokenListTab }
  | { view: 'section'; section: Section };

export const HOME: ViewRoute = { view: 'tokens', tab: 'ACTIVE' };

/** The view a fragment names; null for none (empty, a link's secret, or one this page does not know). */
export function parseRoute(hash: string): ViewRoute | null {
  const path = hash.replace(/^#/, '');
  if (path === 'tokens') return { view: 'tokens', tab: 'ACTIVE' };
  if (path === 'tokens/deleted') return { view: 'tokens', tab: 'DELETED' };
  const token = /^token\/([^/]+)$/.exec(path);
  if (token) {
    try {
      return { view: 'token', id: decodeURIComponent(token[1]!), tab: 'ACTIVE' };
    } catch {
      return null; // a malformed escape: not an address this page wrote
    }
  }
  return (SECTIONS as readonly string[]).includes(path) ? { view: 'section', section: path as Section } : null;
}

export function formatRoute(route: ViewRoute): string {
  switch (route.view) {
    case 'tokens':
      return route.tab === 'DELETED' ? '#tokens/deleted' : '#tokens';
    case 'token':
      return `#token/${encodeURIComponent(route.id)}`;
    case 'section':
      return `#${route.section}`;
  }
}

/** The list a route shows or has behind it; null for a section. */
export const listTabOf = (route: ViewRoute): TokenListTab | null => (route.view === 'section' ? null : route.tab);

export const sameRoute = (a: ViewRoute, b: ViewRoute) => formatRoute(a) === formatRoute(b) && listTabOf(a) === listTabOf(b);

// history.state is shared: Activity's filter entries keep whatever it holds (activity-view.tsx)
const STATE_KEY = 'viewRoute';
interface SavedRoute {
  route: ViewRoute;
  /** This page pushed the entry over the one it was opened from: closing it can go back there. */
  pushed: boolean;
}

function savedRoute(): SavedRoute | null {
  const saved = (window.history.state as Record<string, unknown> | null)?.[STATE_KEY] as SavedRoute | undefined;
  return saved && typeof saved === 'object' && saved.route && typeof saved.route === 'object' ? saved : null;
}

/** The route of the current entry: its fragment, or (with a link's secret there, or none) what the entry saved. */
function routeOfEntry(): ViewRoute {
  const named = parseRoute(window.location.hash);
  const saved = savedRoute()?.route;
  if (!named) return saved ?? HOME;
  // the list behind a token's Details is not in its address: the entry remembers it (also over a reload)
  if (named.view === 'token' && saved?.view === 'token' && saved.id === named.id) return { ...named, tab: saved.tab };
  return named;
}

/**
 * How the page came to its route: `count` grows each time the route comes from the address (the
 * load, a link, back or forward, a section link), not from a control on the page; `from` is the
 * route before (null at the load). Headings take focus on arrivals only.
 */
export interface Arrival {
  count: number;
  from: ViewRoute | null;
  /** The fragment named the route outright (not empty, not a link's secret). */
  named: boolean;
  /** A link on the page to the view was followed (navigate's `arrive`). */
  followed: boolean;
}

interface Snapshot {
  route: ViewRoute;
  /** The token list's tab, kept while a section is the route. */
  listTab: TokenListTab;
  arrival: Arrival;
}

let snapshot: Snapshot | null = null;
const listeners = new Set<() => void>();

function current(): Snapshot {
  if (!snapshot) {
    const route = routeOfEntry();
    snapshot = { route, listTab: listTabOf(route) ?? 'ACTIVE', arrival: { count: 1, from: null, named: Boolean(parseRoute(window.location.hash)), followed: false } };
  }
  return snapshot;
}

function update(route: ViewRoute, arrived: false | 'address' | 'link') {
  const before = current();
  if (sameRoute(route, before.route) && !arrived) return;
  const named = Boolean(parseRoute(window.location.hash));
  snapshot = {
    route,
    listTab: listTabOf(route) ?? before.listTab,
    arrival: arrived ? { count: before.arrival.count + 1, from: before.route, named, followed: arrived === 'link' } : before.arrival,
  };
  for (const listener of listeners) listener();
}

// back and forward fire popstate, and hashchange too when the fragments differ; a link or a typed
// fragment fires hashchange alone. An Activity filter entry pops to the same route: no arrival.
function onAddressChange() {
  goingBack = false;
  const route = routeOfEntry();
  if (!sameRoute(route, current().route)) update(route, 'address');
}

function subscribe(listener: () => void): () => void {
  if (listeners.size === 0) {
    // the address may have moved while nothing listened
    if (snapshot && !sameRoute(routeOfEntry(), snapshot.route)) update(routeOfEntry(), false);
    window.addEventListener('popstate', onAddressChange);
    window.addEventListener('hashchange', onAddressChange);
  }
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      window.removeEventListener('popstate', onAddressChange);
      window.removeEventListener('hashchange', onAddressChange);
    }
  };
}

/**
 * Goes to a view: a new history entry (a person's move: a tab, Details), or `replace` where an entry
 * would be noise. `arrive`: treated as coming from the address, so its heading takes focus (a link
 * to a section, followed even when the address names it already).
 */
export function navigate(route: ViewRoute, { replace = false, arrive = false } = {}) {
  const before = current().route;
  if (!sameRoute(route, before) || replace) {
    const url = new URL(window.location.href);
    if (!isLinkFragment(url.hash)) url.hash = formatRoute(route);
    const saved: SavedRoute = { route, pushed: !replace || (savedRoute()?.pushed ?? false) };
    const state = { ...((window.history.state as object | null) ?? {}), [STATE_KEY]: saved };
    if (replace) window.history.replaceState(state, '', url);
    else window.history.pushState(state, '', url);
  }
  update(route, arrive && 'link');
}

/**
 * Leaves a view drawn over the list (a token's Details) for `to`: back to the entry it was opened
 * from when this page pushed it, so that Back does not open it again; else (a reload of a shared
 * address, a bookmark) `to` takes its entry's place.
 */
export function leaveTo(to: ViewRoute) {
  // a second Close before the first one's popstate would go back two entries
  if (goingBack) return;
  if (savedRoute()?.pushed) {
    goingBack = true;
    // should the entry before not be this page's after all, Close works again
    setTimeout(() => (goingBack = false), 1000);
    window.history.back();
  } else navigate(to, { replace: true });
}
let goingBack = false;

/** The current view, how the page came to it, and the token list's tab; drawn again when any changes. */
export function useViewRoute(): Snapshot {
  const [shown, setShown] = useState(current);
  useEffect(() => {
    const unsubscribe = subscribe(() => setShown(current()));
    // a change between the first draw and the subscription
    setShown(current());
    return unsubscribe;
  }, []);
  return shown;
}

/**
 * Focuses a heading the address leads to and scrolls it to the top. Until the page settles (the
 * sections above it still loading would push it down) it is kept in view, unless the person moves
 * first. A heading without tabindex gets tabindex=-1: focusable by script, not a Tab stop.
 */
export function bringIntoView(target: HTMLElement) {
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: 'start' });
  const stop = () => {
    observer.disconnect();
    clearTimeout(timer);
    for (const kind of MOVES) window.removeEventListener(kind, stop, true);
  };
  const observer = new ResizeObserver(() => {
    if (document.activeElement !== target) return stop();
    const { top } = target.getBoundingClientRect();
    if (top < 0 || top > window.innerHeight / 3) target.scrollIntoView({ block: 'start' });
  });
  observer.observe(document.body);
  const timer = setTimeout(stop, SETTLE_MS);
  for (const kind of MOVES) window.addEventListener(kind, stop, { capture: true, passive: true });
}

const SETTLE_MS = 3000;
/** What a person does to move on: then the page stops holding the heading in view. */
const MOVES = ['wheel', 'touchstart', 'pointerdown', 'keydown'] as const;
