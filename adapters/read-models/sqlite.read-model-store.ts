import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { Position } from '../../domain/events/event';
import { canonicalJson } from '../../domain/shared/canonical-json';
import { readModelMigrations } from '../../migrations/read-models';
import type { ProjectionCheckpoint, ReadModelStore } from '../../src/ports/read-model-store';
import { openDatabase, type Synchronous } from '../sqlite/open-database';

/**
 * Read models in their own SQLite file, apart from the ledger: they can be
 * dropped and rebuilt at any time. Documents are stored as canonical JSON so
 * that the same fold gives the same bytes.
 */
export class SqliteReadModelStore implements ReadModelStore {
  private readonly s;
  private readonly applyInTransaction: (projection: string, version: number, changes: ReadonlyMap<string, unknown>, position: Position) => void;
  private readonly outerTransaction: (work: () => void) => void;
  private readonly listStatements = new Map<string, Database.Statement<unknown[], { key: string; doc: string }>>();

  private constructor(private readonly db: Database.Database) {
    this.s = {
      checkpoint: db.prepare<[string], { version: number; commit_pos: bigint; prepare_pos: bigint }>(
        'SELECT version, commit_pos, prepare_pos FROM checkpoints WHERE projection = ?',
      ),
      get: db.prepare<[string, string], { doc: string }>('SELECT doc FROM documents WHERE projection = ? AND key = ?'),
      put: db.prepare('INSERT INTO documents (projection, key, doc) VALUES (?, ?, ?) ON CONFLICT(projection, key) DO UPDATE SET doc = excluded.doc'),
      del: db.prepare('DELETE FROM documents WHERE projection = ? AND key = ?'),
      dropAll: db.prepare('DELETE FROM documents WHERE projection = ?'),
      setCheckpoint: db.prepare(
        'INSERT INTO checkpoints (projection, version, commit_pos, prepare_pos) VALUES (?, ?, ?, ?) ON CONFLICT(projection) DO UPDATE SET version = excluded.version, commit_pos = excluded.commit_pos, prepare_pos = excluded.prepare_pos',
      ),
      all: db.prepare<[string], { key: string; doc: string }>('SELECT key, doc FROM documents WHERE projection = ? ORDER BY key'),
    };
    this.s.checkpoint.safeIntegers(true);
    // Made once: better-sqlite3 builds a new wrapper for every db.transaction() call.
    this.applyInTransaction = db.transaction((projection: string, version: number, changes: ReadonlyMap<string, unknown>, position: Position) => {
      for (const [key, doc] of changes) {
        if (doc === null) this.s.del.run(projection, key);
        else this.s.put.run(projection, key, canonicalJson(doc));
      }
      this.s.setCheckpoint.run(projection, version, position.commit, position.prepare);
    });
    this.outerTransaction = db.transaction((work: () => void) => work());
  }

  /** `synchronous=NORMAL` is enough here: a read model lost to power failure is rebuilt from the ledger. */
  static open(file: string, synchronous: Synchronous = 'NORMAL'): SqliteReadModelStore {
    return new SqliteReadModelStore(openDatabase(file, readModelMigrations, { synchronous }));
  }

  checkpoint(projection: string): ProjectionCheckpoint | null {
    const row = this.s.checkpoint.get(projection);
    if (!row) return null;
    return { version: Number(row.version), position: { commit: BigInt(row.commit_pos), prepare: BigInt(row.prepare_pos) } };
  }

  getDocument<Doc>(projection: string, key: string): Doc | null {
    const row = this.s.get.get(projection, key);
    return row ? (JSON.parse(row.doc) as Doc) : null;
  }

  applyBatch(projection: string, version: number, changes: ReadonlyMap<string, unknown>, position: Position): void {
    this.applyInTransaction(projection, version, changes, position);
  }

  inTransaction(work: () => void): void {
    // Nested better-sqlite3 transactions are savepoints: each applyBatch inside stays atomic on its own.
    this.outerTransaction(work);
  }

  reset(projection: string, version: number): void {
    this.db.transaction(() => {
      this.s.dropAll.run(projection);
      this.s.setCheckpoint.run(projection, version, 0n, 0n);
    })();
  }

  listDocuments<Doc>(projection: string, options: { prefix?: string; after?: string; limit?: number } = {}): { key: string; doc: Doc }[] {
    const where = ['projection = ?'];
    const params: (string | number)[] = [projection];
    if (options.prefix !== undefined) {
      // A range, so the primary key answers it without scanning past the last match.
      where.push('key >= ? AND key < ?');
      params.push(options.prefix, `${options.prefix}\u{10FFFF}`);
    }
    if (options.after !== undefined) {
      where.push('key > ?');
      params.push(options.after);
    }
    params.push(options.limit ?? -1);
    return this.listStatement(`SELECT key, doc FROM documents WHERE ${where.join(' AND ')} ORDER BY key LIMIT ?`)
      .all(...params)
      .map((r) => ({ key: r.key, doc: JSON.parse(r.doc) as Doc }));
  }

  /** One prepared statement per query shape (there are four): preparing costs more than running these lookups. */
  private listStatement(sql: string): Database.Statement<unknown[], { key: string; doc: string }> {
    let statement = this.listStatements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare<unknown[], { key: string; doc: string }>(sql);
      this.listStatements.set(sql, statement);
    }
    return statement;
  }

  digest(projection: string): string {
    const hash = createHash('sha256');
    for (const row of this.s.all.iterate(projection)) hash.update(`${canonicalJson(row.key)},${row.doc}\n`);
    return hash.digest('hex');
  }

  close(): void {
    this.db.close();
  }
}
