import type { LogTarget } from './log-target';
import type { EntryLogged, Subject } from './submission.events';

export interface RequestSubmission {
  readonly type: 'RequestSubmission';
  readonly submissionId: string;
  readonly envelopeDigest: string;
  readonly payloadType: string;
  readonly subjects: readonly Subject[];
  readonly verifiers: readonly string[];
  readonly logs: readonly LogTarget[];
}

export interface RecordAttempt {
  readonly type: 'RecordAttempt';
  readonly log: string;
  readonly error: string;
  /** False when the log refused the entry for good (a 4xx): no retry. */
  readonly retryable: boolean;
  /** A uniform random number in [0, 1) for the backoff jitter. */
  readonly jitter: number;
}

export interface RecordEntry {
  readonly type: 'RecordEntry';
  readonly entry: Omit<EntryLogged['data'], 'submissionId' | 'envelopeDigest' | 'subjects' | 'loggedAt'>;
}

export interface Requeue {
  readonly type: 'Requeue';
  readonly log: string;
  readonly reason: string;
}

export type SubmissionCommand = RequestSubmission | RecordAttempt | RecordEntry | Requeue;
