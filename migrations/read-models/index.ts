import type { SchemaMigration } from '../migration';

/** Schema of the read-model database: documents per projection and one checkpoint each. */
export const readModelMigrations: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'documents and checkpoints',
    sql: `
      CREATE TABLE documents (
        projection TEXT NOT NULL,
        key        TEXT NOT NULL,
        doc        TEXT NOT NULL,
        PRIMARY KEY (projection, key)
      ) WITHOUT ROWID;
      CREATE TABLE checkpoints (
        projection TEXT    PRIMARY KEY,
        version    INTEGER NOT NULL,
        commit_pos INTEGER NOT NULL,
        prepare_pos INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];
