/** The one place errors become RFC 9457 application/problem+json responses. */
import {
  type FieldError,
  ProblemError,
  ServiceUnavailableError,
  TooManyRequestsError,
  ValidationError,
} from '@polku/domain';
import type { Context } from 'hono';
import type { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type * as z from 'zod';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Authentication required',
  404: 'Not found',
  413: 'Request body too large',
  415: 'Unsupported media type',
};

export function problemResponse(c: Context, problem: Record<string, unknown>, status: number): Response {
  const requestId = c.get('requestId') as string | undefined;
  const body = { ...problem, ...(requestId ? { requestId } : {}) };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });
}

export function problemOf(c: Context, error: ProblemError): Response {
  const response = problemResponse(c, error.toProblem(c.req.path), error.status);
  if (error instanceof ServiceUnavailableError || error instanceof TooManyRequestsError) {
    response.headers.set('Retry-After', String(error.retryAfterSeconds));
  }
  if (error.status === 401) {
    // The token endpoint authenticates clients with Basic (RFC 6749 §5.2); everything else wants a bearer token.
    const challenge = error.type === 'oauth' ? 'Basic realm="polku"' : 'Bearer error="invalid_token"';
    response.headers.set('WWW-Authenticate', challenge);
  }
  return response;
}

/** An HTTPException from Hono itself (malformed JSON, unsupported media type, ...). */
export function problemOfHttpException(c: Context, error: HTTPException): Response {
  const status = error.status as ContentfulStatusCode;
  const slug = (TITLES[status] ?? 'error').toLowerCase().replaceAll(' ', '-');
  return problemResponse(
    c,
    {
      type: `https://polku.fi/problems/${slug}`,
      title: TITLES[status] ?? 'Error',
      status,
      detail: error.message || TITLES[status] || 'The request could not be handled',
      instance: c.req.path,
    },
    status,
  );
}

/** Zod issues as field errors, each named by where it came from (`body.esf.gender`, `query.limit`). */
export function validationError(target: string, error: z.ZodError): ValidationError {
  const errors: FieldError[] = error.issues.map((issue) => ({
    field: [target === 'json' || target === 'form' ? 'body' : target, ...issue.path.map(String)].join('.'),
    message:
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  return new ValidationError(`${errors.length} field(s) are not valid`, errors);
}

export function isProblem(error: unknown): error is ProblemError {
  return error instanceof ProblemError;
}
