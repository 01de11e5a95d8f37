import { AppError } from '../../src/errors/app-error';

/**
 * Errors a transparency log client raises besides the shared ones
 * (ValidationError for entries the log refuses, NotFoundError, ConflictError,
 * UnavailableError for outages and open breakers).
 */

/**
 * The log answered, but the answer does not prove what it claims: a proof that
 * leads elsewhere, a checkpoint not signed by the configured key, a bad SET, a
 * body that is not what was submitted, or a malformed document. Never retried:
 * the log (or something in between) is misbehaving.
 */
export class UnverifiableLogResponseError extends AppError {
  readonly code = 'log_response_unverifiable';
  readonly status = 502;
  constructor(
    readonly log: string,
    readonly check: string,
    readonly reason: string,
    cause?: unknown,
  ) {
    super(`the answer of transparency log ${log} does not verify (${check}): ${reason}`, { log, check, reason }, { cause });
  }
}

/** The log is frozen (Rekor v2 HTTP 405): it takes no more writes, ever; submit to its successor shard. */
export class FrozenLogError extends AppError {
  readonly code = 'log_frozen';
  readonly status = 502;
  constructor(
    readonly log: string,
    detail: string,
  ) {
    super(`transparency log ${log} is frozen and accepts no new entries: ${detail}`, { log });
  }
}

/** The log answered with a status this client does not expect for the request (e.g. 501, 302). */
export class UnexpectedLogAnswerError extends AppError {
  readonly code = 'log_unexpected_answer';
  readonly status = 502;
  constructor(
    readonly log: string,
    readonly httpStatus: number,
    detail: string,
  ) {
    super(`transparency log ${log} answered HTTP ${httpStatus}: ${detail}`, { log, httpStatus });
  }
}
