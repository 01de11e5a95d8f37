/**
 * Child process of the crash test: appends events from many concurrent
 * writers and records each acknowledged event id in a side file, until killed.
 */
import { appendFileSync } from 'node:fs';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import { streamName } from '../../domain/events/stream-name';
import { auditTrailProjection } from '../../projections/audit-trail/audit-trail.projection';
import { ProjectionRunner } from '../../src/projections-runtime/projection-runner';
import { anEvent } from '../support/events';

const [storeFile, ackFile, readModelFile] = process.argv.slice(2) as [string, string, string];
const store = SqliteEventStore.open(storeFile);
// The projection is folding when the kill comes, so the test sees it resume mid-way.
new ProjectionRunner(store, SqliteReadModelStore.open(readModelFile), auditTrailProjection).start();
let n = 0;

async function writer(w: number): Promise<void> {
  for (;;) {
    const events = [anEvent('ThingHappened', { w, n: n++ }), anEvent('ThingHappened', { w, n: n++ })];
    await store.append(streamName('crash', String(w % 8)), events);
    appendFileSync(ackFile, events.map((e) => `${e.id}\n`).join(''));
  }
}

for (let w = 0; w < 32; w++) void writer(w);
