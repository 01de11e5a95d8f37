/** One leaf of the local transparency log. */
export interface StoredLeaf {
  readonly index: number;
  readonly uuid: string;
  readonly kind: string;
  readonly body: Buffer;
  readonly integratedTime: number;
}

export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Buffer;
  /** The signed note, as published. */
  readonly note: string;
  readonly signedAt: number;
}

/** Durable storage of the local log's leaves, tree nodes and checkpoints. */
export interface TlogStore {
  size(): number;
  /**
   * Appends leaves and their tree nodes atomically, with the checkpoint that
   * `checkpointFor(newSize)` signs over them in the same transaction; returns
   * the leaves' indexes.
   */
  append(leaves: readonly Omit<StoredLeaf, 'index'>[], checkpointFor?: (size: number) => StoredCheckpoint): number[];
  leafByUuid(uuid: string): StoredLeaf | null;
  leafAt(index: number): StoredLeaf | null;
  leavesFrom(index: number, count: number): StoredLeaf[];
  /** Hash of the full subtree at (level, index), or undefined if not complete. */
  node(level: number, index: number): Buffer | undefined;
  /** Hashes at `level` from `index`, at most `count`, in order. */
  nodes(level: number, index: number, count: number): Buffer[];
  saveCheckpoint(checkpoint: StoredCheckpoint): void;
  latestCheckpoint(): StoredCheckpoint | null;
  checkpointOfSize(size: number): StoredCheckpoint | null;
  meta(key: string): string | null;
  setMeta(key: string, value: string): void;
  close(): void;
}
