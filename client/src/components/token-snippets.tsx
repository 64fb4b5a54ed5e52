import { CopySnippet } from './copy-snippet';

/** The SDK's default API address; any other server (this one) goes in POGODOC_API_URL. */
const SDK_DEFAULT_URL = 'https://api.pogodoc.com';

/**
 * The product page's "Use Your API Token" ways, filled in for this server: the .env lines, the
 * SDK call (which reads them), and a curl command against this server's own URL.
 */
export function TokenSnippets({ token, origin = window.location.origin }: { token: string; origin?: string }) {
  const env = [
    '# .env file',
    `POGODOC_API_TOKEN=${token}`,
    ...(origin === SDK_DEFAULT_URL ? [] : [`POGODOC_API_URL=${origin}`]),
  ].join('\n');
  const sdk = [
    'import { PogodocClient } from "pogodoc";',
    '',
    'const pogodoc = new PogodocClient({',
    '  token: process.env.POGODOC_API_TOKEN!,',
    '});',
    'const { content } = await pogodoc.renderDocument({',
    '  template: "Hello {{ name }}",',
    '  data: { name: "Ada" },',
    '});',
  ].join('\n');
  const query = 'mutation($d: JSON!) { renderDocument(template: \\"Hello {{ name }}\\", data: $d) { content documentCount } }';
  const curl = [
    `curl ${origin}/graphql \\`,
    `  -H "Authorization: Bearer ${token}" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"query":"${query}","variables":{"d":{"name":"Ada"}}}'`,
  ].join('\n');
  return (
    <div class="snippets">
      <CopySnippet label="Environment variables" code={env} testId="snippet-env" />
      <CopySnippet label="SDK integration (npm install pogodoc)" code={sdk} testId="snippet-sdk" />
      <CopySnippet label="Direct API call" code={curl} testId="snippet-curl" />
    </div>
  );
}
