// How an Anthropic stream can fail after a 200: an `error` event (overloaded_error is what
// Anthropic sends when it is overloaded mid-request, like a 529), or a stop_reason that means
// the answer is incomplete. HTTP-level failures are classified by errors.ts, as for every API.

import {
  contextWindowFix,
  isContextWindowError,
  oneLine,
  type CallContext,
  type Failure,
} from './errors.ts';
import type { ModelErrorKind } from './types.ts';

/** The failure for an `event: error` payload's `error` object. */
export function streamErrorFailure(ctx: CallContext, error: Record<string, unknown>): Failure {
  const type = typeof error.type === 'string' ? error.type : 'error';
  const message = typeof error.message === 'string' ? oneLine(error.message, 300) : undefined;
  const kind = streamErrorKind(type, message);
  return {
    kind,
    what: `the stream from ${ctx.url} reported an error (${type})`,
    detail: message ?? 'no reason given',
    fix: streamErrorFix(kind, ctx.model),
    reason: type,
    // Overload and server errors before any output are worth another attempt, like a 529.
    retryable: kind === 'server' || kind === 'rateLimited',
  };
}

/** The failure a stop_reason stands for, or null when the answer is complete. The items are
 * still emitted first, as the Chat adapter does for finish_reason "length". */
export function stopReasonFailure(ctx: CallContext, reason: string | null): Failure | null {
  if (reason === 'max_tokens' || reason === 'model_context_window_exceeded') {
    return {
      kind: 'contextWindow',
      what: `the response from ${ctx.url} was cut short (stop_reason ${reason})`,
      fix:
        reason === 'max_tokens'
          ? `the answer hit max_tokens for ${ctx.model}; ask for less or raise max_tokens`
          : contextWindowFix(ctx.model),
      reason,
      retryable: false,
    };
  }
  if (reason === 'refusal') {
    return {
      kind: 'badRequest',
      what: `the model at ${ctx.url} refused to answer (stop_reason refusal)`,
      fix: 'rephrase the request',
      reason,
      retryable: false,
    };
  }
  return null;
}

function streamErrorKind(type: string, message: string | undefined): ModelErrorKind {
  if (isContextWindowError(type, message) || type === 'request_too_large') return 'contextWindow';
  switch (type) {
    case 'rate_limit_error':
      return 'rateLimited';
    case 'authentication_error':
    case 'permission_error':
      return 'auth';
    case 'not_found_error':
      return 'notFound';
    case 'invalid_request_error':
      return 'badRequest';
    default:
      return 'server'; // overloaded_error, api_error, and anything new
  }
}

function streamErrorFix(kind: ModelErrorKind, model: string): string {
  switch (kind) {
    case 'contextWindow':
      return contextWindowFix(model);
    case 'rateLimited':
      return 'wait and try again, or lower the request rate';
    case 'auth':
      return "check the provider's API key";
    case 'notFound':
      return `check the model name (${model})`;
    case 'badRequest':
      return `the provider refused the request; check the model (${model}) and the options it supports`;
    default:
      return 'the provider is overloaded or failing; try again later';
  }
}
