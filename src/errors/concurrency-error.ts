import type { ExpectedRevision } from '../ports/event-store';
import { AppError } from './app-error';

/** An append's expected revision did not hold: another writer got there first. */
export class ConcurrencyError extends AppError {
  readonly code = 'wrong_expected_revision';
  readonly status = 409;

  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, or 'no_stream'. */
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)} but it is ${String(actual)}; re-read the stream and retry`, {
      stream,
      expected: String(expected),
      actual: String(actual),
    });
  }
}
