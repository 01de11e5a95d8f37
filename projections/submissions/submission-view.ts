import type { Subject } from '../../domain/attestations/submission.events';

export interface AttemptView {
  readonly attempt: number;
  readonly outcome: 'failed' | 'rejected';
  readonly error: string;
  readonly at: string;
  readonly nextAttemptAt: string | null;
}

export interface LogView {
  readonly required: boolean;
  readonly status: 'pending' | 'logged' | 'abandoned';
  readonly attempts: readonly AttemptView[];
  readonly nextAttemptAt: string | null;
  readonly uuid: string | null;
  readonly logIndex: number | null;
  readonly reason: string | null;
}

/** What `GET /api/v1/submissions/{id}` shows: the state and every attempt. */
export interface SubmissionView {
  readonly submissionId: string;
  readonly envelopeDigest: string;
  readonly payloadType: string;
  readonly subjects: readonly Subject[];
  readonly status: 'pending' | 'logged' | 'failed';
  readonly logs: Readonly<Record<string, LogView>>;
  readonly requestedAt: string;
  readonly updatedAt: string;
}

/** One line of the worker's queue: a submission with at least one log still to log. */
export interface PendingView {
  readonly submissionId: string;
  /** Log name → when it is due (null: now). */
  readonly due: Readonly<Record<string, string | null>>;
}
