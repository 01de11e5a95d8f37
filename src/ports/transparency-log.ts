import type { DsseEnvelope } from '../../domain/signing/dsse-envelope';
import type { Checkpoint, TlogEntry } from '../../domain/transparency';

/**
 * A transparency log (Rekor v1 or v2) seen through a client that verifies
 * every answer before returning it: an inclusion proof that leads to a
 * checkpoint signed by the configured log key, the SET where the log gives
 * one, and a body that is what was submitted. A response that fails any of
 * these is an error (UnverifiableLogResponseError), never a result.
 */
export interface TransparencyLog {
  /** A stable name for this log in events and metrics (e.g. "rekor-v1:rekor.sigstore.dev"). */
  readonly id: string;
  /**
   * Logs a DSSE envelope with exactly one signature, made by the key in
   * `signerPublicKeyPem` (SPKI PEM). Submitting an envelope that is already
   * logged is harmless: the existing entry is returned (`created: false`).
   */
  submitDsse(envelope: DsseEnvelope, signerPublicKeyPem: string): Promise<SubmittedEntry>;
  /** The entry at `logIndex`, with a proof against the latest checkpoint. */
  getByIndex(logIndex: number): Promise<LoggedEntry>;
  /** The entry with this UUID or entry ID (Rekor v1 only: v2 has no lookup by content). */
  getByUuid?(uuid: string): Promise<LoggedEntry>;
  /** The log's latest checkpoint, signature verified. */
  checkpoint(): Promise<LogCheckpoint>;
  /**
   * Proves that `newer` (default: the latest checkpoint) is an append-only
   * extension of `older`; both are verified signed notes. Resolves to the
   * newer checkpoint, rejects with UnverifiableLogResponseError otherwise.
   */
  consistency(older: LogCheckpoint | string, newer?: LogCheckpoint | string): Promise<LogCheckpoint>;
}

/** A checkpoint whose log signature has been verified. */
export interface LogCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The signed note exactly as the log served it. */
  readonly note: string;
}

export interface LoggedInclusionProof {
  /** Shard-local index (Rekor v1 sharding makes it differ from `logIndex`). */
  readonly logIndex: number;
  readonly rootHash: Buffer;
  readonly treeSize: number;
  /** Sibling hashes from the leaf up. */
  readonly hashes: readonly Buffer[];
}

/** A verified log entry. */
export interface LoggedEntry {
  /** `TransparencyLog.id` of the log that holds it. */
  readonly log: string;
  /** Hex leaf hash of the canonicalized body (Rekor's entry UUID). */
  readonly uuid: string;
  readonly logIndex: number;
  /** Seconds since the epoch, covered by the SET (Rekor v1 only). */
  readonly integratedTime?: number;
  readonly inclusionProof: LoggedInclusionProof;
  /** The signed checkpoint (C2SP signed note) the proof leads to. */
  readonly checkpoint: string;
  /** Rekor v1's signed entry timestamp. */
  readonly set?: Buffer;
  /** The entry in bundle form, for `bundleForDsse` / `tlogEntryToJson`. */
  readonly tlogEntry: TlogEntry;
}

export interface SubmittedEntry extends LoggedEntry {
  /** False when the log already held this entry (HTTP 409). */
  readonly created: boolean;
}

export const TRANSPARENCY_LOG = Symbol('TransparencyLog');

/** Injection token of the configured logs by name (`ReadonlyMap<string, TransparencyLog>`). */
export const TRANSPARENCY_LOGS = Symbol('TransparencyLogs');
