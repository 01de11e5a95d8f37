import type { LogTarget } from './log-target';

export const SUBMISSION_EVENT_SCHEMA_VERSION = 1;

export interface Subject {
  readonly name: string;
  readonly digest: Readonly<Record<string, string>>;
}

/** An envelope was accepted for logging; it is archived under `envelopeDigest`. */
export interface SubmissionRequested {
  readonly type: 'SubmissionRequested';
  readonly data: {
    readonly submissionId: string;
    readonly envelopeDigest: string;
    readonly payloadType: string;
    readonly subjects: readonly Subject[];
    /** PEM public keys or certificates that verify the envelope's signatures (Rekor v1 needs them). */
    readonly verifiers: readonly string[];
    readonly logs: readonly LogTarget[];
    readonly requestedAt: string;
  };
}

/** One try at one log that did not end with an entry. */
export interface SubmissionAttempted {
  readonly type: 'SubmissionAttempted';
  readonly data: {
    readonly submissionId: string;
    readonly log: string;
    readonly attempt: number;
    /** `failed`: worth retrying; `rejected`: the log refused the entry, retrying will not help. */
    readonly outcome: 'failed' | 'rejected';
    readonly error: string;
    readonly attemptedAt: string;
    /** When the next try is due; null when this was the last. */
    readonly nextAttemptAt: string | null;
  };
}

export interface LoggedInclusionProof {
  readonly logIndex: number;
  /** Hex. */
  readonly rootHash: string;
  readonly treeSize: number;
  /** Hex, leaf to root. */
  readonly hashes: readonly string[];
}

/** The log returned an entry, and its proof, checkpoint (and SET) verified. */
export interface EntryLogged {
  readonly type: 'EntryLogged';
  readonly data: {
    readonly submissionId: string;
    readonly envelopeDigest: string;
    /** Copied from the request so that read models need no other event. */
    readonly subjects: readonly Subject[];
    readonly log: string;
    readonly uuid: string;
    readonly logIndex: number;
    readonly integratedTime: number | null;
    readonly inclusionProof: LoggedInclusionProof;
    /** The signed checkpoint (C2SP note) the proof leads to. */
    readonly checkpoint: string;
    /** Rekor v1 signed entry timestamp, base64. */
    readonly set: string | null;
    /** The entry in Sigstore bundle form (proto-JSON TransparencyLogEntry), ready to put in a bundle. */
    readonly tlogEntry: Readonly<Record<string, unknown>>;
    readonly loggedAt: string;
  };
}

/** The retry budget for one log is spent, or the log refused the entry. */
export interface SubmissionAbandoned {
  readonly type: 'SubmissionAbandoned';
  readonly data: { readonly submissionId: string; readonly log: string; readonly reason: string; readonly abandonedAt: string };
}

/** An operator put an abandoned log back in the queue. */
export interface SubmissionRequeued {
  readonly type: 'SubmissionRequeued';
  readonly data: { readonly submissionId: string; readonly log: string; readonly reason: string; readonly requeuedAt: string };
}

export type SubmissionEvent = SubmissionRequested | SubmissionAttempted | EntryLogged | SubmissionAbandoned | SubmissionRequeued;

export const SUBMISSION_EVENT_TYPES: readonly SubmissionEvent['type'][] = [
  'SubmissionRequested',
  'SubmissionAttempted',
  'EntryLogged',
  'SubmissionAbandoned',
  'SubmissionRequeued',
];

export function isSubmissionEvent(e: { type: string }): e is SubmissionEvent {
  return (SUBMISSION_EVENT_TYPES as readonly string[]).includes(e.type);
}
