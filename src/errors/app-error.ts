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

/** The request may not be served here (e.g. a Host that is not a loopback name). */
export class ForbiddenError extends AppError {
  readonly code: string;
  readonly status = 403;
  constructor(message: string, details: Record<string, unknown> = {}, code = 'forbidden') {
    super(message, details);
    this.code = code;
  }
}

/** The request conflicts with the current state (e.g. a revoked key asked to sign). */
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

/**
 * A stored event this build cannot read: written at a schema version it does
 * not know (by a newer Attestor: a replica not yet upgraded in a rolling
 * upgrade, an old binary on a store or EventStoreDB shared with a newer one),
 * or an old version no upcaster lifts to the current one.
 *
 * Why 503: the request is fine — resending it changes nothing, so no 4xx —
 * and the condition is known and named, so never the generic 500 "internal
 * error". It belongs to the deployment: this server is older than its data
 * and cannot serve that part of the ledger until it runs a build that reads
 * the version; the same request to an upgraded instance succeeds, which is
 * what 503 tells clients and load balancers. No Retry-After: time alone does
 * not end it, an upgrade does. The stable code `unsupported_event_version`
 * (problem type `urn:attestor:problem:unsupported_event_version`) tells it
 * from a dependency outage.
 */
export class UnsupportedEventVersionError extends AppError {
  readonly code = 'unsupported_event_version';
  readonly status = 503;
  readonly stream: string;
  readonly eventType: string;
  readonly storedVersion: number;
  readonly readableVersions: readonly number[];

  constructor(
    event: { readonly id: string; readonly stream: string; readonly type: string; readonly schemaVersion: number },
    readableVersions: readonly number[],
    reason: 'newer' | 'no_upcaster',
  ) {
    const reads = `it reads ${event.type} at ${readableVersions.map((v) => `v${v}`).join(', ')}`;
    const where = `stream ${event.stream} holds a ${event.type} event (id ${event.id}) stored at schema version ${event.schemaVersion}`;
    super(
      reason === 'newer'
        ? `${where}, which this build of Attestor does not know (${reads}): the event was written by a newer Attestor. Upgrade Attestor to a build that reads ${event.type} v${event.schemaVersion}.`
        : `${where}, which no upcaster of this build of Attestor lifts to the current shape (${reads}). Run an Attestor build that reads ${event.type} v${event.schemaVersion}.`,
      { stream: event.stream, eventId: event.id, eventType: event.type, storedVersion: event.schemaVersion, readableVersions: [...readableVersions] },
    );
    this.stream = event.stream;
    this.eventType = event.type;
    this.storedVersion = event.schemaVersion;
    this.readableVersions = readableVersions;
  }
}
