import { ERROR_CODES, type ErrorCode } from '../../domain/error-codes.js';
import { builder } from '../builder.js';

// Every code an error's extensions.code can hold, published in the schema so that clients
// (the dashboard, the SDK) type their error handling from codegen rather than a copy of the list.
export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  description: "The stable codes in an error's extensions.code. Messages may change; codes do not.",
  values: Object.fromEntries(Object.entries(ERROR_CODES).map(([code, description]) => [code, { description }])) as Record<
    ErrorCode,
    { description: string }
  >,
});
