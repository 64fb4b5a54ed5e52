import { useState } from 'preact/hooks';

/** A ready-to-copy block of code with its own Copy button and a polite "Copied" status. */
export function CopySnippet({ label, code, testId }: { label: string; code: string; testId?: string }) {
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const id = `snippet-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <figure class="snippet" data-testid={testId}>
      <figcaption id={id}>{label}</figcaption>
      <pre tabIndex={0}>
        <code>{code}</code>
      </pre>
      <div class="row">
        <button
          type="button"
          class="secondary"
          aria-describedby={id}
          onClick={() =>
            navigator.clipboard.writeText(code).then(
              () => setCopy('copied'),
              () => setCopy('failed'),
            )
          }
        >
          Copy
        </button>
        <span class={copy === 'failed' ? 'error' : 'success'} role="status">
          {copy === 'copied' && 'Copied.'}
          {copy === 'failed' && 'Could not copy: select the text and copy it yourself.'}
        </span>
      </div>
    </figure>
  );
}
