import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import type { EventId, NewEvent } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import { openDatabase } from '../../adapters/sqlite/open-database';
import { eventStoreMigrations } from '../../migrations/event-store';
import { auditTrailProjection } from '../../projections/audit-trail/audit-trail.projection';
import { rebuildProjection } from '../../src/projections-runtime/rebuild';
import { testContext } from '../support/events';
import { printTable, rate, type Figure } from './table';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const REBUILD_EVENTS = Number(process.env['BENCH_REBUILD_EVENTS'] ?? 1_000_000);

const event = (i: number): NewEvent => ({
  id: randomUUID() as EventId,
  type: 'EnvelopeSigned',
  schemaVersion: 1,
  data: { envelopeDigest: `sha256:${i.toString(16).padStart(64, '0')}`, keyId: 'key-1', keyVersion: 1, signatureCount: 1 },
  metadata: testContext,
});

/** The same rows the port writes, straight through better-sqlite3, with the same durability. */
function rawInsert(db: Database.Database): (i: number) => void {
  const insert = db.prepare('INSERT INTO events (stream, revision, id, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)');
  let revision = 0;
  return (i) => {
    const e = event(i);
    insert.run(`raw-${i % 64}`, revision++, e.id, e.type, 1, JSON.stringify(e.data), JSON.stringify({ ...e.metadata, prevHash: '0', hash: '0' }));
  };
}

export async function benchStore(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attestor-bench-'));
  const figures: Figure[] = [];
  try {
    // Baseline: one durable transaction per insert (what 1 writer without group commit pays).
    const raw = openDatabase(join(dir, 'raw.sqlite'), eventStoreMigrations);
    const insertRaw = rawInsert(raw);
    let n = 0;
    const rawRate = await rate(SECONDS, () => {
      raw.transaction(() => insertRaw(n++))();
      return 1;
    });
    const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
    let i = 0;
    const oneWriter = await rate(SECONDS, async () => {
      await store.append(streamName('bench', String(i % 64)), [event(i++)]);
      return 1;
    });
    figures.push({ name: 'append, 1 writer, synchronous=FULL', value: oneWriter, unit: 'events/s', baseline: { name: 'raw insert+commit', value: rawRate } });

    const concurrent = await rate(SECONDS, async () => {
      await Promise.all(Array.from({ length: 64 }, (_, w) => store.append(streamName('bench', String(w)), [event(i++)])));
      return 64;
    });
    figures.push({
      name: 'append, 64 concurrent writers (group commit)',
      value: concurrent,
      unit: 'events/s',
      baseline: { name: 'raw insert+commit', value: rawRate },
      target: '≥ 5,000 events/s',
    });
    raw.close();

    // Fill a store with REBUILD_EVENTS events, in appends of 1,000 to keep the setup short.
    const big = SqliteEventStore.open(join(dir, 'big.sqlite'), { synchronous: 'NORMAL' });
    const fillStart = Date.now();
    for (let done = 0; done < REBUILD_EVENTS; done += 1000) {
      const batch = Array.from({ length: Math.min(1000, REBUILD_EVENTS - done) }, (_, k) => event(done + k));
      await big.append(streamName('bench', String((done / 1000) % 256)), batch);
    }
    process.stderr.write(`filled ${REBUILD_EVENTS} events in ${((Date.now() - fillStart) / 1000).toFixed(1)} s\n`);

    const rawRead = new Database(join(dir, 'big.sqlite'), { readonly: true });
    let t0 = process.hrtime.bigint();
    let rows = 0;
    for (const _row of rawRead.prepare('SELECT * FROM events ORDER BY position').iterate()) rows++;
    const rawReadRate = rows / (Number(process.hrtime.bigint() - t0) / 1e9);
    rawRead.close();

    t0 = process.hrtime.bigint();
    let read = 0;
    for (let from = { commit: 0n, prepare: 0n }; ; ) {
      const page = await big.readAll({ fromPosition: from, maxCount: 10_000 });
      if (page.length === 0) break;
      read += page.length;
      from = page.at(-1)!.position;
    }
    const readAllRate = read / (Number(process.hrtime.bigint() - t0) / 1e9);
    figures.push({ name: 'readAll (pages of 10,000)', value: readAllRate, unit: 'events/s', baseline: { name: 'raw SELECT iterate', value: rawReadRate }, target: '≥ 100,000 events/s' });

    const readModels = SqliteReadModelStore.open(join(dir, 'rm.sqlite'));
    const rebuilt = await rebuildProjection(big, readModels, auditTrailProjection);
    figures.push({
      name: `rebuild audit-trail over ${REBUILD_EVENTS.toLocaleString('en-US')} events`,
      value: rebuilt.events / rebuilt.seconds,
      unit: 'events/s',
      baseline: { name: 'raw SELECT iterate', value: rawReadRate },
      target: `≤ 30 s (took ${rebuilt.seconds.toFixed(1)} s)`,
    });
    readModels.close();
    await big.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable('store', figures);
}
