// A subscription over server-sent events, read through Node's HTTP client so that a test can stop
// reading at the TCP level (pause) and see what the server does with a client that takes nothing.
import { request, type IncomingMessage } from 'node:http';

export interface EventStream {
  pause(): void;
  resume(): void;
  close(): void;
}

/** POSTs `query` to `${url}/graphql` as an event stream and hands each event's JSON body to `onBody`, in order. */
export function openEventStream(url: string, headers: Record<string, string>, query: string, onBody: (body: { data?: any; errors?: Array<{ extensions?: { code?: string } }> }) => void): EventStream {
  let response: IncomingMessage | undefined;
  let text = '';
  const req = request(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers } }, (res) => {
    response = res;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const data = /^data: (.*)$/m.exec(text.slice(0, end))?.[1];
        text = text.slice(end + 2);
        if (data) onBody(JSON.parse(data));
      }
    });
  });
  req.end(JSON.stringify({ query }));
  return { pause: () => response?.pause(), resume: () => response?.resume(), close: () => req.destroy() };
}
