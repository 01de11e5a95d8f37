import type { SchemaMigration } from '../migration';

/**
 * Schema of the embedded event store. The ledger is append-only at the storage
 * level too: triggers refuse every UPDATE and DELETE of an event, so even a
 * bug in our own code cannot rewrite history through SQL.
 */
export const eventStoreMigrations: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'events and stream heads',
    sql: `
      CREATE TABLE events (
        position       INTEGER PRIMARY KEY,
        stream         TEXT    NOT NULL,
        revision       INTEGER NOT NULL,
        id             TEXT    NOT NULL UNIQUE,
        type           TEXT    NOT NULL,
        schema_version INTEGER NOT NULL,
        data           TEXT    NOT NULL,
        metadata       TEXT    NOT NULL,
        UNIQUE (stream, revision)
      );
      CREATE TABLE streams (
        stream    TEXT    PRIMARY KEY,
        revision  INTEGER NOT NULL,
        head_hash TEXT    NOT NULL
      ) WITHOUT ROWID;
      CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: events cannot be updated'); END;
      CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: events cannot be deleted'); END;
    `,
  },
];
