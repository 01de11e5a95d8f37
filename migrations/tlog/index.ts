import type { SchemaMigration } from '../migration';

/**
 * Schema of the local transparency log. `nodes` holds the hash of every full,
 * aligned subtree (level 0 = leaf hashes): proofs and tiles read it in
 * O(log n). Leaves and their nodes are written in one transaction, so a crash
 * never leaves a leaf without its tree update, or the reverse.
 */
export const tlogMigrations: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'leaves, nodes, checkpoints',
    sql: `
      CREATE TABLE leaves (
        idx             INTEGER PRIMARY KEY,
        uuid            TEXT    NOT NULL UNIQUE,
        kind            TEXT    NOT NULL,
        body            BLOB    NOT NULL,
        integrated_time INTEGER NOT NULL
      );
      CREATE TABLE nodes (
        level INTEGER NOT NULL,
        idx   INTEGER NOT NULL,
        hash  BLOB    NOT NULL,
        PRIMARY KEY (level, idx)
      ) WITHOUT ROWID;
      CREATE TABLE checkpoints (
        size      INTEGER PRIMARY KEY,
        root      BLOB    NOT NULL,
        note      TEXT    NOT NULL,
        signed_at INTEGER NOT NULL
      );
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TRIGGER leaves_are_never_updated BEFORE UPDATE ON leaves BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
      CREATE TRIGGER leaves_are_never_deleted BEFORE DELETE ON leaves BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
      CREATE TRIGGER nodes_are_never_updated BEFORE UPDATE ON nodes BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
      CREATE TRIGGER nodes_are_never_deleted BEFORE DELETE ON nodes BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
    `,
  },
];
