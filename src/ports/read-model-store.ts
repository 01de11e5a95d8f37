import type { Position } from '../../domain/events/event';

export interface ProjectionCheckpoint {
  readonly version: number;
  readonly position: Position;
}

/**
 * Where projections keep their documents and checkpoints. Synchronous because
 * read models live in a local SQLite file whatever the event store is; a batch
 * of documents and its checkpoint are written in one transaction.
 */
export interface ReadModelStore {
  checkpoint(projection: string): ProjectionCheckpoint | null;
  getDocument<Doc = unknown>(projection: string, key: string): Doc | null;
  /** Upserts (or, for null, removes) documents and moves the checkpoint, atomically. */
  applyBatch(projection: string, version: number, changes: ReadonlyMap<string, unknown>, position: Position): void;
  /** Runs `work` in one transaction; `applyBatch` calls inside it commit together (each rolls back alone if it fails). */
  inTransaction(work: () => void): void;
  /** Drops every document of a projection and sets its checkpoint to the start. */
  reset(projection: string, version: number): void;
  /** Documents in key order, optionally from a key prefix, strictly after a key, at most `limit`. */
  listDocuments<Doc = unknown>(projection: string, options?: { prefix?: string; after?: string; limit?: number }): { key: string; doc: Doc }[];
  /** SHA-256 over the canonical contents in key order: equal digests mean byte-identical read models. */
  digest(projection: string): string;
  close(): void;
}

export const READ_MODEL_STORE = Symbol('ReadModelStore');
