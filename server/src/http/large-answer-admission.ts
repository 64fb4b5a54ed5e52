// The total bound of unsent-answers.ts at the GraphQL layer: an operation that can answer with a
// large document (up to RENDER_MAX_OUTPUT_BYTES) is refused with RATE_LIMITED (429, Retry-After)
// while the answers that clients have not read pass HTTP_MAX_UNSENT_BYTES. Checked before
// anything is rendered or counted, so a refused request has cost nothing, and the client retries.
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

export function useLargeAnswerAdmission(unsentAnswers: Pick<UnsentAnswers, 'roomForLargeAnswer' | 'refusal'>): Plugin<GraphQLContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (selectsLargeAnswer(args.document, args.operationName) && !unsentAnswers.roomForLargeAnswer()) {
        setResultAndStopExecution({ errors: [unsentAnswers.refusal()] });
      }
    },
  };
}
