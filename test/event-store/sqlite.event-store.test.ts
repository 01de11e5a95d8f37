import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { eventStoreContract, type StorageTamperer } from '../contract/event-store.contract';

/** Rewrites the SQLite file directly, dropping the append-only triggers as an attacker could. */
function sqliteTamperer(file: string): StorageTamperer {
  const withRawAccess = (fn: (db: Database.Database) => void): Promise<void> => {
    const db = new Database(file);
    try {
      db.exec('DROP TRIGGER IF EXISTS events_are_never_updated; DROP TRIGGER IF EXISTS events_are_never_deleted;');
      fn(db);
    } finally {
      db.close();
    }
    return Promise.resolve();
  };
  return {
    alterData: (stream, revision, data) =>
      withRawAccess((db) => db.prepare('UPDATE events SET data = ? WHERE stream = ? AND revision = ?').run(JSON.stringify(data), stream, revision)),
    remove: (stream, revision) =>
      withRawAccess((db) => db.prepare('DELETE FROM events WHERE stream = ? AND revision = ?').run(stream, revision)),
    swap: (stream, a, b) =>
      withRawAccess((db) => {
        const move = db.prepare('UPDATE events SET revision = ? WHERE stream = ? AND revision = ?');
        db.transaction(() => {
          move.run(-1, stream, a);
          move.run(a, stream, b);
          move.run(b, stream, -1);
        })();
      }),
  };
}

eventStoreContract('embedded SQLite store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attestor-store-'));
  const file = join(dir, 'events.sqlite');
  const store = SqliteEventStore.open(file);
  return Promise.resolve({
    store,
    tamper: sqliteTamperer(file),
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});
