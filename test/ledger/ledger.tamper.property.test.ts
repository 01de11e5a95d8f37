import test from 'ava';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { eventContentHash } from '../../domain/events/event-hash';
import type { EventMetadata, RecordedEvent } from '../../domain/events/event';
import { verifyLedger } from '../../src/ledger/ledger-verification';
import { tempDir } from '../support/temp-dir';
import { ledgerFixture, populate } from '../kit/helpers/ledger-fixture';

/** Raw access to the SQLite file, bypassing the append-only triggers (what an attacker with disk access can do). */
function withRawAccess(file: string, fn: (db: Database.Database) => void): void {
  const db = new Database(file);
  try {
    db.exec('DROP TRIGGER IF EXISTS events_are_never_updated; DROP TRIGGER IF EXISTS events_are_never_deleted;');
    db.transaction(() => fn(db))();
  } finally {
    db.close();
  }
}

type Tamper =
  | { kind: 'alter-data'; at: number }
  | { kind: 'alter-and-rehash'; at: number }
  | { kind: 'remove'; at: number }
  | { kind: 'swap-positions'; a: number; b: number }
  | { kind: 'swap-revisions'; at: number };

interface Row {
  position: number;
  stream: string;
  revision: number;
  id: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
}

function apply(file: string, tamper: Tamper): void {
  withRawAccess(file, (db) => {
    const row = (p: number): Row => db.prepare<[number], Row>('SELECT * FROM events WHERE position = ?').get(p)!;
    switch (tamper.kind) {
      case 'alter-data':
        db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify({ forged: true }), tamper.at);
        return;
      case 'alter-and-rehash': {
        // The forger also fixes the event's own hash, so its chain link looks right.
        const r = row(tamper.at);
        const metadata = JSON.parse(r.metadata) as EventMetadata;
        const forged: RecordedEvent = {
          id: r.id as RecordedEvent['id'],
          stream: r.stream as RecordedEvent['stream'],
          revision: BigInt(r.revision),
          position: { commit: 0n, prepare: 0n },
          type: r.type,
          schemaVersion: r.schema_version,
          data: { forged: true },
          metadata: { ...metadata, actor: 'mallory' },
        };
        const hash = eventContentHash(forged);
        db.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?').run(JSON.stringify(forged.data), JSON.stringify({ ...forged.metadata, hash }), tamper.at);
        // …and the next event of the stream, so the chain holds everywhere.
        const next = db.prepare<[string, number], Row>('SELECT * FROM events WHERE stream = ? AND revision = ?').get(r.stream, r.revision + 1);
        if (next) {
          const m = JSON.parse(next.metadata) as EventMetadata;
          const relinked = { ...m, prevHash: hash };
          const h = eventContentHash({ id: next.id, stream: next.stream, revision: BigInt(next.revision), type: next.type, schemaVersion: next.schema_version, data: JSON.parse(next.data) as unknown, metadata: relinked } as never);
          db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run(JSON.stringify({ ...relinked, hash: h }), next.position);
        }
        return;
      }
      case 'remove':
        db.prepare('DELETE FROM events WHERE position = ?').run(tamper.at);
        return;
      case 'swap-positions': {
        const move = db.prepare('UPDATE events SET position = ? WHERE position = ?');
        move.run(-1, tamper.a);
        move.run(tamper.a, tamper.b);
        move.run(tamper.b, -1);
        return;
      }
      case 'swap-revisions': {
        const r = row(tamper.at);
        const move = db.prepare('UPDATE events SET revision = ? WHERE stream = ? AND revision = ?');
        const other = r.revision === 0 ? 1 : r.revision - 1;
        move.run(-1, r.stream, r.revision);
        move.run(r.revision, r.stream, other);
        move.run(other, r.stream, -1);
        return;
      }
    }
  });
}

test('every alteration, removal or reordering of checkpointed events in the SQLite file fails ledger verify', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f, 4);
  const cp = await f.checkpointer.checkpointNow();
  await f.store.close();
  const dir = tempDir(t);
  const pristine = join(f.dir, 'events.db');
  const covered = cp.data.treeSize; // positions 1 … covered are covered by the checkpoint
  const multiEventStreams = (() => {
    const db = new Database(pristine, { readonly: true });
    try {
      return db.prepare<[number], { position: number }>('SELECT position FROM events e WHERE position <= ? AND (SELECT COUNT(*) FROM events o WHERE o.stream = e.stream) > 1').all(covered).map((r) => r.position);
    } finally {
      db.close();
    }
  })();
  const position = fc.integer({ min: 1, max: covered });
  const tamper: fc.Arbitrary<Tamper> = fc.oneof(
    position.map((at) => ({ kind: 'alter-data' as const, at })),
    position.map((at) => ({ kind: 'alter-and-rehash' as const, at })),
    position.map((at) => ({ kind: 'remove' as const, at })),
    fc.tuple(position, position).filter(([a, b]) => a !== b).map(([a, b]) => ({ kind: 'swap-positions' as const, a, b })),
    fc.constantFrom(...multiEventStreams).map((at) => ({ kind: 'swap-revisions' as const, at })),
  );
  let run = 0;
  await fc.assert(
    fc.asyncProperty(tamper, async (change) => {
      const file = join(dir, `run-${run++}.sqlite`);
      copyFileSync(pristine, file);
      apply(file, change);
      const store = SqliteEventStore.open(file);
      try {
        const report = await verifyLedger(store);
        return !report.ok && report.failures.length > 0;
      } finally {
        await store.close();
      }
    }),
    { numRuns: 60, seed: 42 },
  );
  // And the untouched copy verifies.
  const file = join(dir, 'pristine.sqlite');
  copyFileSync(pristine, file);
  const store = SqliteEventStore.open(file);
  t.teardown(() => store.close());
  t.true((await verifyLedger(store)).ok);
});
