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
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    migrate(db, migrations);
  }
  return db;
}

function migrate(db: Database.Database, migrations: readonly SchemaMigration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = [...migrations].sort((a, b) => a.version - b.version).filter((m) => m.version > current);
  for (const m of pending) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
