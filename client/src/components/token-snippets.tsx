import type { TokenMode } from '../gql/graphql';
import { CopySnippet } from './copy-snippet';

/** The SDK's default API address; any other server (this one) goes in POGODOC_API_URL. */
const SDK_DEFAULT_URL = 'https://api.pogodoc.com';

/**
 * The product page's "Use Your API Token" ways, filled in for this server: the .env lines, the
 * SDK call (which reads them), and a curl command against this server's own URL. A test token's
 * snippets say it is one, and its curl command asks for testMode, so its answer shows it too.
 */
export function TokenSnippets({ token, mode = 'LIVE', origin = window.location.origin }: { token: string; mode?: TokenMode; origin?: string }) {
  const test = mode === 'TEST';
  const env = [
    '# .env file',
    ...(test ? ['# a test token: documents are watermarked and use no quota'] : []),
    `POGODOC_API_TOKEN=${token}`,
    ...(origin === SDK_DEFAULT_URL ? [] : [`POGODOC_API_URL=${origin}`]),
  ].join('\n');
  const sdk = [
    'import { PogodocClient } from "pogodoc";',
    '',
    'const pogodoc = new PogodocClient({',
    '  token: process.env.POGODOC_API_TOKEN!,',
    '});',
    ...(test ? ['// a test token: the content starts with a watermark line, and no quota is used'] : []),
    'const { content } = await pogodoc.renderDocument({',
    '  template: "Hello {{ name }}",',
    '  data: { name: "Ada" },',
    '});',
  ].join('\n');
  const fields = test ? 'content testMode documentCount' : 'content documentCount';
  const query = `mutation($d: JSON!) { renderDocument(template: \\"Hello {{ name }}\\", data: $d) { ${fields} } }`;
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
