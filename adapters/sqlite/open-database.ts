import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SchemaMigration } from '../../migrations/migration';

export type Synchronous = 'FULL' | 'NORMAL' | 'EXTRA';

export interface OpenOptions {
  /** FULL by default: a ledger acknowledges only what survives power loss. */
  readonly synchronous?: Synchronous;
  readonly readonly?: boolean;
}

/**
 * Opens (creating if needed) a SQLite file in WAL mode and brings its schema
 * up to date. `PRAGMA user_version` records the last migration applied.
 */
export function openDatabase(file: string, migrations: readonly SchemaMigration[], options: OpenOptions = {}): Database.Database {
  if (file !== ':memory:' && !options.readonly) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  // Another process (the worker, an offline rebuild) may hold the write lock briefly.
  db.pragma('busy_timeout = 10000');
  if (!options.readonly) {
    // Switching a new file to WAL takes an exclusive lock that busy_timeout does not wait
    // for: two processes opening one new data directory (`serve` and `worker`) can collide.
    retryWhileBusy(() => db.pragma('journal_mode = WAL'));
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    migrate(db, migrations);
  }
  return db;
}

/**
 * Applies the migrations not yet applied. The version is read inside each
 * write transaction: another process may have migrated the file while this one
 * waited for the lock, and must not have its migration replayed.
 */
function migrate(db: Database.Database, migrations: readonly SchemaMigration[]): void {
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

function retryWhileBusy<T>(run: () => T): T {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return run();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      // A short synchronous pause: this runs once, when a store is opened.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}
