// Limits on what one GraphQL request may ask for, applied to HTTP and WebSocket alike
// (they share the envelop): GraphQL Armor's depth, alias, token, directive and cost limits,
// optional introspection, and CSRF prevention for cookie-authenticated browsers.
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.js';

export const CSRF_HEADER = 'x-graphql-yoga-csrf';

export function protectionPlugins(limits: Limits, { introspection }: { introspection: boolean }): Plugin[] {
  const plugins: Plugin[] = [
    // Browsers send a "simple" cross-site request (form, text/plain) without a preflight; such a
    // request would carry the session cookie. Yoga refuses it unless it has a JSON content type
    // or this header, neither of which another site can set without CORS allowing it.
    useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
    maxTokensPlugin({ n: limits.maxTokens }) as Plugin,
    maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true }) as Plugin,
    maxAliasesPlugin({ n: limits.maxAliases }) as Plugin,
    maxDirectivesPlugin({ n: limits.maxDirectives }) as Plugin,
    costLimitPlugin({ maxCost: limits.maxCost, ignoreIntrospection: true }) as Plugin,
  ];
  if (!introspection) plugins.push(useDisableIntrospection());
  return plugins;
}
