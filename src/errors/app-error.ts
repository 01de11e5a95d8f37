/**
 * One error hierarchy for the whole service. Each error has a stable `code`
 * that API clients can branch on, an HTTP status, and a message that says what
 * to fix. The HTTP layer maps these to `application/problem+json`.
 */
export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** Extra members for the problem document (never secrets). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** The request itself is wrong; resending it unchanged will fail again. */
export class ValidationError extends AppError {
  readonly code: string;
  readonly status = 400;
  constructor(message: string, details: Record<string, unknown> = {}, code = 'invalid_request') {
    super(message, details);
    this.code = code;
  }
}

export class NotFoundError extends AppError {
  readonly code: string;
  readonly status = 404;
  constructor(message: string, details: Record<string, unknown> = {}, code = 'not_found') {
    super(message, details);
    this.code = code;
  }
}

/** The request conflicts with the current state (e.g. a revoked key asked to sign). */
export class ForbiddenError extends AppError {
  readonly code: string;
  readonly status = 403;
  constructor(message: string, details: Record<string, unknown> = {}, code = 'forbidden') {
    super(message, details);
    this.code = code;
  }
}

export class ConflictError extends AppError {
  readonly code: string;
  readonly status = 409;
  constructor(message: string, details: Record<string, unknown> = {}, code = 'conflict') {
    super(message, details);
    this.code = code;
  }
}

/** A dependency (event store, HSM, KMS, Rekor) is unavailable; retry after `retryAfterSeconds`. */
export class UnavailableError extends AppError {
  readonly code: string;
  readonly status = 503;
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 5, details: Record<string, unknown> = {}, code = 'dependency_unavailable', cause?: unknown) {
    super(message, details, { cause });
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The body is not in a format this endpoint reads (send application/json). */
export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'unsupported_media_type';
  readonly status = 415;
}
