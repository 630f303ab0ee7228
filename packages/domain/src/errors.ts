/**
 * The one error hierarchy. Each error knows its HTTP status and RFC 9457 problem type;
 * the API maps any of them to application/problem+json in one place.
 */

export interface FieldError {
  /** JSON pointer-ish path of the offending field, e.g. `body.birthDate`. */
  field: string;
  message: string;
}

export abstract class ProblemError extends Error {
  abstract readonly status: number;
  abstract readonly type: string;
  abstract readonly title: string;
  /** Extra members merged into the problem document. */
  readonly extensions: Record<string, unknown>;

  constructor(detail: string, extensions: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = new.target.name;
    this.extensions = extensions;
  }

  toProblem(instance?: string): Record<string, unknown> {
    return {
      type: `https://polku.fi/problems/${this.type}`,
      title: this.title,
      status: this.status,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export class BadRequestError extends ProblemError {
  readonly status = 400;
  readonly type = 'bad-request';
  readonly title = 'Bad request';
}

export class ValidationError extends ProblemError {
  readonly status = 400;
  readonly type = 'validation';
  readonly title = 'The request is not valid';
  constructor(detail: string, errors: FieldError[]) {
    super(detail, { errors });
  }
}

export class UnauthorizedError extends ProblemError {
  readonly status = 401;
  readonly type = 'unauthorized';
  readonly title = 'Authentication required';
}

export class InvalidClientError extends ProblemError {
  readonly status = 401;
  readonly type = 'invalid-client';
  readonly title = 'Client authentication failed';
}

export class ForbiddenError extends ProblemError {
  readonly status = 403;
  readonly type = 'forbidden';
  readonly title = 'Not allowed';
}

/** A coach named a responsible coach it may not: responsibility for a person is given, not taken. */
export class ResponsibilityNotGivenError extends ProblemError {
  readonly status = 403;
  readonly type = 'responsibility-not-given';
  readonly title = 'Responsibility is given, not taken';
}

/** The caller's tenant is pending approval or suspended: nothing inside it is served. */
export class TenantNotActiveError extends ProblemError {
  readonly status = 403;
  readonly type = 'tenant-not-active';
  readonly title = 'The tenant is not active';
  constructor(status: string) {
    super(
      status === 'pending'
        ? 'the tenant is waiting for an operator to approve it'
        : `the tenant is ${status}; contact the Polku operators`,
      { tenantStatus: status },
    );
  }
}

export class NotFoundError extends ProblemError {
  readonly status = 404;
  readonly type = 'not-found';
  readonly title = 'Not found';
}

export class MethodNotAllowedError extends ProblemError {
  readonly status = 405;
  readonly type = 'method-not-allowed';
  readonly title = 'Method not allowed';
}

export class ConflictError extends ProblemError {
  readonly status = 409;
  readonly type: string;
  readonly title = 'Conflict';
  constructor(type: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(detail, extensions);
    this.type = type;
  }
}

export class PreconditionFailedError extends ProblemError {
  readonly status = 412;
  readonly type = 'precondition-failed';
  readonly title = 'The resource has changed';
}

export class PayloadTooLargeError extends ProblemError {
  readonly status = 413;
  readonly type = 'payload-too-large';
  readonly title = 'Request body too large';
}

export class UnsupportedMediaTypeError extends ProblemError {
  readonly status = 415;
  readonly type = 'unsupported-media-type';
  readonly title = 'Unsupported media type';
}

export class UnprocessableError extends ProblemError {
  readonly status = 422;
  readonly type: string;
  readonly title = 'Unprocessable request';
  constructor(type: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(detail, extensions);
    this.type = type;
  }
}

export class PreconditionRequiredError extends ProblemError {
  readonly status = 428;
  readonly type = 'precondition-required';
  readonly title = 'If-Match required';
}

export class TooManyRequestsError extends ProblemError {
  readonly status = 429;
  readonly type = 'too-many-requests';
  readonly title = 'Too many requests';
  readonly retryAfterSeconds: number;
  constructor(detail: string, retryAfterSeconds: number) {
    super(detail);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class ServiceUnavailableError extends ProblemError {
  readonly status = 503;
  readonly type = 'service-unavailable';
  readonly title = 'Temporarily unavailable';
  readonly retryAfterSeconds: number;
  constructor(detail: string, retryAfterSeconds = 1, options?: { cause?: unknown }) {
    super(detail, {}, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
