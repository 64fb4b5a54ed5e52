// The total bound of unsent-answers.ts at the GraphQL layer: an operation that can answer with a
// large document takes room for it (RENDER_MAX_OUTPUT_BYTES) before anything is rendered or
// counted. It waits for room while other large answers are being made, and is refused with
// RATE_LIMITED (429, Retry-After) while answers that clients do not read fill it: checked before
// the work starts, so a refused request has cost nothing, and the client retries.
import { getOperationAST, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.js';
import type { UnsentAnswers } from './unsent-answers.js';

/** Root fields whose answer can be as large as a rendered document. */
const LARGE_ANSWER_FIELDS = new Set(['renderDocument']);

function selectsLargeAnswer(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  if (!operation) return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const seen = new Set<string>();
  const walk = (selections: SelectionSetNode): boolean =>
    selections.selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return LARGE_ANSWER_FIELDS.has(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return walk(selection.selectionSet);
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) return false;
      seen.add(fragment.name.value);
      return walk(fragment.selectionSet);
    });
  return walk(operation.selectionSet);
}

/** What Yoga's context holds of the Node response for a request served by app.ts's server. */
interface HttpServerContext {
  res?: { once(event: 'prefinish' | 'close', listener: () => void): unknown };
}

export function useLargeAnswerAdmission(unsentAnswers: UnsentAnswers, bytesPerAnswer: number): Plugin<GraphQLContext & HttpServerContext> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      if (!selectsLargeAnswer(args.document, args.operationName)) return undefined;
      const release = await unsentAnswers.admitLargeAnswer(bytesPerAnswer);
      if (!release) {
        setResultAndStopExecution({ errors: [unsentAnswers.refusal()] });
        return undefined;
      }
      const res = args.contextValue.res;
      if (!res) return { onExecuteDone: release }; // yoga.fetch: no socket to count it
      // once the answer is written, its socket's unsent bytes count it; a request that ends
      // first (the client went away) gives its room back too
      res.once('prefinish', release);
      res.once('close', release);
      return undefined;
    },
  };
}
