import type Database from 'better-sqlite3';
import { leafHash, nodeHash } from '../../domain/transparency/merkle.hash';
import { tlogMigrations } from '../../migrations/tlog';
import type { StoredCheckpoint, StoredLeaf, TlogStore } from '../../src/ports/tlog-store';
import { openDatabase } from '../sqlite/open-database';

interface LeafRow {
  idx: number;
  uuid: string;
  kind: string;
  body: Buffer;
  integrated_time: number;
}

const toLeaf = (r: LeafRow): StoredLeaf => ({ index: r.idx, uuid: r.uuid, kind: r.kind, body: r.body, integratedTime: r.integrated_time });

/** The local log in one SQLite file (WAL, synchronous=FULL). */
export class SqliteTlogStore implements TlogStore {
  private readonly s;
  private cachedSize: number;

  private constructor(private readonly db: Database.Database) {
    this.s = {
      // Leaf indexes run from 0 without gaps: the last one gives the size without counting every row.
      size: db.prepare<[], { n: number }>('SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM leaves'),
      insertLeaf: db.prepare('INSERT INTO leaves (idx, uuid, kind, body, integrated_time) VALUES (?, ?, ?, ?, ?)'),
      insertNode: db.prepare('INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)'),
      node: db.prepare<[number, number], { hash: Buffer }>('SELECT hash FROM nodes WHERE level = ? AND idx = ?'),
      nodes: db.prepare<[number, number, number], { hash: Buffer }>('SELECT hash FROM nodes WHERE level = ? AND idx >= ? ORDER BY idx LIMIT ?'),
      byUuid: db.prepare<[string], LeafRow>('SELECT * FROM leaves WHERE uuid = ?'),
      at: db.prepare<[number], LeafRow>('SELECT * FROM leaves WHERE idx = ?'),
      from: db.prepare<[number, number], LeafRow>('SELECT * FROM leaves WHERE idx >= ? ORDER BY idx LIMIT ?'),
      saveCheckpoint: db.prepare('INSERT OR IGNORE INTO checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?)'),
      latest: db.prepare<[], { size: number; root: Buffer; note: string; signed_at: number }>('SELECT * FROM checkpoints ORDER BY size DESC LIMIT 1'),
      ofSize: db.prepare<[number], { size: number; root: Buffer; note: string; signed_at: number }>('SELECT * FROM checkpoints WHERE size = ?'),
      meta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    };
    this.cachedSize = this.s.size.get()!.n;
  }

  static open(file: string): SqliteTlogStore {
    return new SqliteTlogStore(openDatabase(file, tlogMigrations));
  }

  size(): number {
    return this.cachedSize;
  }

  append(leaves: readonly Omit<StoredLeaf, 'index'>[], checkpointFor?: (size: number) => StoredCheckpoint): number[] {
    const indexes: number[] = [];
    const before = this.cachedSize;
    const write = this.db.transaction(() => {
      let size = this.cachedSize;
      for (const leaf of leaves) {
        const index = size++;
        this.s.insertLeaf.run(index, leaf.uuid, leaf.kind, leaf.body, leaf.integratedTime);
        // Record the leaf hash, then every full subtree this leaf completes (a binary carry).
        let hash = leafHash(leaf.body);
        let level = 0;
        let at = index;
        this.s.insertNode.run(level, at, hash);
        while (at % 2 === 1) {
          const left = this.s.node.get(level, at - 1)!.hash;
          hash = nodeHash(left, hash);
          level++;
          at = (at - 1) / 2;
          this.s.insertNode.run(level, at, hash);
        }
        indexes.push(index);
      }
      if (checkpointFor) {
        // The nodes just written are visible inside the transaction: the checkpoint reads them.
        this.cachedSize = before + leaves.length;
        const c = checkpointFor(this.cachedSize);
        this.s.saveCheckpoint.run(c.size, c.root, c.note, c.signedAt);
      }
    });
    try {
      write();
    } catch (error) {
      this.cachedSize = before;
      throw error;
    }
    this.cachedSize = before + leaves.length;
    return indexes;
  }

  leafByUuid(uuid: string): StoredLeaf | null {
    const r = this.s.byUuid.get(uuid);
    return r ? toLeaf(r) : null;
  }

  leafAt(index: number): StoredLeaf | null {
    const r = this.s.at.get(index);
    return r ? toLeaf(r) : null;
  }

  leavesFrom(index: number, count: number): StoredLeaf[] {
    return this.s.from.all(index, count).map(toLeaf);
  }

  node(level: number, index: number): Buffer | undefined {
    return this.s.node.get(level, index)?.hash;
  }

  nodes(level: number, index: number, count: number): Buffer[] {
    return this.s.nodes.all(level, index, count).map((r) => r.hash);
  }

  saveCheckpoint(c: StoredCheckpoint): void {
    this.s.saveCheckpoint.run(c.size, c.root, c.note, c.signedAt);
  }

  latestCheckpoint(): StoredCheckpoint | null {
    const r = this.s.latest.get();
    return r ? { size: r.size, root: r.root, note: r.note, signedAt: r.signed_at } : null;
  }

  checkpointOfSize(size: number): StoredCheckpoint | null {
    const r = this.s.ofSize.get(size);
    return r ? { size: r.size, root: r.root, note: r.note, signedAt: r.signed_at } : null;
  }

  meta(key: string): string | null {
    return this.s.meta.get(key)?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }

  close(): void {
    this.db.close();
  }
}
