import { DomainError } from '../shared/domain-error';

export class InvalidSubmissionError extends DomainError {
  readonly kind = 'invalid';
  constructor(
    message: string,
    details: Record<string, unknown> = {},
    readonly code: string = 'invalid_submission',
  ) {
    super(message, details);
  }
}

export class SubmissionNotFoundError extends DomainError {
  readonly kind = 'not_found';
  readonly code = 'submission_not_found';
  constructor(submissionId: string) {
    super(`no submission ${submissionId}`, { submissionId });
  }
}

export class SubmissionStateError extends DomainError {
  readonly kind = 'conflict';
  constructor(
    message: string,
    details: Record<string, unknown> = {},
    readonly code: string = 'submission_state_conflict',
  ) {
    super(message, details);
  }
}
