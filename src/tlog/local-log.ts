import { type KeyObject } from 'node:crypto';
import type { AcceptedEntry } from '../../domain/tlog/entry-body';
import { signCheckpoint } from '../../domain/transparency/checkpoint';
import { consistencyProof, inclusionProof, rootOf, type TreeReader } from '../../domain/transparency/merkle.tree';
import type { NoteSigner } from '../../domain/transparency/note-key';
import { entryUuid } from '../../domain/transparency/rekor-set';
import type { StoredCheckpoint, StoredLeaf, TlogStore } from '../ports/tlog-store';

/** Who the log is: the checkpoint origin, the signer of its checkpoints, its log ID. */
export interface LogIdentity {
  readonly origin: string;
  readonly checkpointSigner: NoteSigner;
  /** The log ID clients find in their trusted root. */
  readonly logId: Buffer;
  readonly publicKey: KeyObject;
  /** Rekor v1 only: the key that signs SETs. */
  readonly setKey?: KeyObject;
}

export interface Integrated {
  readonly leaf: StoredLeaf;
  /** False when the entry was already in the log (a duplicate submission). */
  readonly created: boolean;
  readonly checkpoint: StoredCheckpoint;
  /** Inclusion proof of the leaf in the tree of `checkpoint.size`. */
  readonly proof: Buffer[];
}

interface Pending {
  readonly entry: AcceptedEntry;
  readonly uuid: string;
  readonly resolve: (r: Integrated) => void;
  readonly reject: (e: unknown) => void;
}

export interface LocalLogOptions {
  /** Submissions arriving within this window share one tree update and one checkpoint (0: the next turn of the event loop). */
  readonly batchWindowMs?: number;
  /** Seconds since the epoch: the log's integration time. */
  readonly now?: () => number;
}

/**
 * The sequencer of a local transparency log. Concurrent submissions are
 * batched: one transaction appends every leaf and its tree nodes, then one
 * checkpoint is signed for the new size, and every submitter gets its index
 * and an inclusion proof against that checkpoint. A submission that is
 * already logged is answered from the log without a new leaf.
 */
export class LocalLog {
  private queue: Pending[] = [];
  private timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  readonly tree: TreeReader;

  constructor(
    private readonly store: TlogStore,
    readonly identity: LogIdentity,
    private readonly options: LocalLogOptions = {},
  ) {
    const s = store;
    this.tree = {
      get size() {
        return s.size();
      },
      leaf: (i) => {
        const h = s.node(0, i);
        if (!h) throw new RangeError(`no leaf ${i}`);
        return h;
      },
      node: (level, index) => s.node(level, index),
    };
    // A crash between the tree update and its checkpoint leaves the tree ahead: sign it now.
    const latest = store.latestCheckpoint();
    if (!latest || latest.size !== store.size()) this.publishCheckpoint();
  }

  private now(): number {
    return this.options.now?.() ?? Math.floor(Date.now() / 1000);
  }

  submit(entry: AcceptedEntry): Promise<Integrated> {
    const uuid = entryUuid(entry.body);
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, uuid, resolve, reject });
      if (this.timer) return;
      const window = this.options.batchWindowMs ?? 0;
      this.timer = window > 0 ? setTimeout(() => this.integrate(), window) : setImmediate(() => this.integrate());
    });
  }

  /** Integrates everything queued: one transaction for the leaves, their nodes and the new checkpoint. */
  private integrate(): void {
    const batch = this.queue;
    this.queue = [];
    this.timer = null;
    if (batch.length === 0) return;
    try {
      const known = new Map<string, StoredLeaf>();
      const fresh = new Map<string, Pending>();
      for (const p of batch) {
        if (known.has(p.uuid) || fresh.has(p.uuid)) continue;
        const existing = this.store.leafByUuid(p.uuid);
        if (existing) known.set(p.uuid, existing);
        else fresh.set(p.uuid, p);
      }
      const integratedTime = this.now();
      const firsts = [...fresh.values()];
      let checkpoint: StoredCheckpoint;
      if (firsts.length > 0) {
        const leaves = firsts.map((p) => ({ uuid: p.uuid, kind: p.entry.kind, body: p.entry.body, integratedTime }));
        const indexes = this.store.append(leaves, (size) => this.signedCheckpoint(size));
        leaves.forEach((l, i) => known.set(l.uuid, { ...l, index: indexes[i]! }));
        checkpoint = this.store.latestCheckpoint()!;
      } else {
        checkpoint = this.latestCheckpoint();
      }
      // Proofs of one batch share most of their nodes: read each from SQLite once.
      const tree = memoised(this.tree);
      for (const p of batch) {
        const leaf = known.get(p.uuid)!;
        p.resolve({ leaf, created: fresh.get(p.uuid) === p, checkpoint, proof: inclusionProof(tree, leaf.index, checkpoint.size) });
      }
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }

  private signedCheckpoint(size: number): StoredCheckpoint {
    const root = rootOf(this.tree, size);
    const note = signCheckpoint({ origin: this.identity.origin, size, rootHash: root, extensions: [] }, [this.identity.checkpointSigner]);
    if (!note.ok) throw new Error(`cannot sign checkpoint: ${note.reason}`);
    return { size, root, note: note.value, signedAt: this.now() };
  }

  /** Signs and stores a checkpoint for the current size (on demand, or after a batch). */
  publishCheckpoint(): StoredCheckpoint {
    const size = this.store.size();
    const existing = this.store.checkpointOfSize(size);
    if (existing) return existing;
    const checkpoint = this.signedCheckpoint(size);
    this.store.saveCheckpoint(checkpoint);
    return checkpoint;
  }

  latestCheckpoint(): StoredCheckpoint {
    return this.store.latestCheckpoint() ?? this.publishCheckpoint();
  }

  leafByUuid(uuid: string): StoredLeaf | null {
    return this.store.leafByUuid(uuid);
  }

  leafAt(index: number): StoredLeaf | null {
    return this.store.leafAt(index);
  }

  leavesFrom(index: number, count: number): StoredLeaf[] {
    return this.store.leavesFrom(index, count);
  }

  nodes(level: number, index: number, count: number): Buffer[] {
    return this.store.nodes(level, index, count);
  }

  /** Inclusion proof of a leaf against the latest checkpoint. */
  proveInclusion(index: number): { checkpoint: StoredCheckpoint; proof: Buffer[] } {
    const checkpoint = this.latestCheckpoint();
    return { checkpoint, proof: inclusionProof(this.tree, index, checkpoint.size) };
  }

  checkpointOfSize(size: number): StoredCheckpoint | null {
    return this.store.checkpointOfSize(size);
  }

  rootAt(size: number): Buffer {
    return rootOf(this.tree, size);
  }

  proveConsistency(size1: number, size2: number): Buffer[] {
    return consistencyProof(this.tree, size1, size2);
  }
}

/** A tree reader that remembers every node it has read. */
function memoised(tree: TreeReader): TreeReader {
  const nodes = new Map<string, Uint8Array | undefined>();
  const leaves = new Map<number, Uint8Array>();
  return {
    size: tree.size,
    leaf: (i) => {
      let h = leaves.get(i);
      if (!h) {
        h = tree.leaf(i);
        leaves.set(i, h);
      }
      return h;
    },
    node: (level, index) => {
      const key = `${level}/${index}`;
      if (!nodes.has(key)) nodes.set(key, tree.node?.(level, index));
      return nodes.get(key);
    },
  };
}
