import test from 'ava';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import type { EventId } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import { allProjections } from '../../projections';
import { KEY_REGISTRY, type KeyRegistryDocument } from '../../projections/key-registry/key-registry.projection';
import { parseAsOf, resolveAsOf } from '../../src/audit/as-of';
import { diffReadModels, replayTo, type DocumentChange } from '../../src/audit/replay';
import { ProjectionRunner } from '../../src/projections-runtime/projection-runner';
import { rebuildProjections } from '../../src/projections-runtime/rebuild';
import { seedLedger } from '../audit/helpers';
import { tempDir } from '../support/temp-dir';

function open(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  const stores: SqliteReadModelStore[] = [];
  const readModels = (name: string) => {
    const s = SqliteReadModelStore.open(join(dir, name));
    stores.push(s);
    return s;
  };
  t.teardown(async () => {
    for (const s of stores) s.close();
    await store.close();
  });
  return { dir, store, readModels };
}

test('as of a time is the prefix up to the last event, in global order, whose occurredAt is at or before it', async (t) => {
  const { store } = open(t);
  // Two writers whose clocks disagree: positions 3 and 5 carry earlier times than position 2 and 4.
  const times = ['10:00', '10:05', '10:02', '10:10', '10:03'];
  for (const time of times) {
    await store.append(streamName('thing', 'x'), [
      { id: randomUUID() as EventId, type: 'ThingHappened', schemaVersion: 1, data: {}, metadata: { tenant: 't', actor: 'a', correlationId: 'c', causationId: null, occurredAt: `2025-03-03T${time}:00.000Z` } },
    ]);
  }
  const at = async (point: string) => (await resolveAsOf(store, parseAsOf(point))).position.commit;
  t.is(await at('2025-03-03T10:04:00Z'), 5n, 'includes position 4 (10:10), which precedes the last event at or before 10:04');
  t.is(await at('2025-03-03T10:02:00Z'), 3n);
  t.is(await at('2025-03-03T10:01:59.999Z'), 1n);
  t.is(await at('2025-03-03T11:00:00+01:00'), 1n, 'time zones are honoured');
  t.is(await at('2025-03-03T09:59:59Z'), 0n, 'before the first event: nothing');
  t.is(await at('2025-03-03T23:00:00Z'), 5n);
  t.is(await at('3'), 3n);
  t.is(await at('0'), 0n);
  await t.throwsAsync(at('6'), { message: /position 6 is beyond the head of the ledger \(5\)/ });
  t.throws(() => parseAsOf('last tuesday'), { message: /at must be an RFC 3339 date-time with a time zone/ });
  t.throws(() => parseAsOf('2025-03-03T10:00:00'), { message: /RFC 3339/ }, 'a time without a zone is ambiguous');
});

test('replaying to the head gives the digests of the live read models, and leaves them untouched', async (t) => {
  const { store, readModels } = open(t);
  await seedLedger(store);
  const live = readModels('live.sqlite');
  const runners = allProjections.map((p) => new ProjectionRunner(store, live, p));
  for (const r of runners) r.start();
  const head = await store.headPosition();
  for (const r of runners) t.true(await r.waitFor(head));
  for (const r of runners) await r.stop();
  const before = allProjections.map((p) => [p.name, live.digest(p.name), live.checkpoint(p.name)?.position.commit]);

  const replayed = await replayTo(store, readModels('scratch.sqlite'), allProjections, head);
  t.deepEqual(
    replayed.map((m) => [m.projection, m.digest]),
    allProjections.map((p) => [p.name, live.digest(p.name)]),
  );
  t.deepEqual(allProjections.map((p) => [p.name, live.digest(p.name), live.checkpoint(p.name)?.position.commit]), before);
});

test('replaying to a past point equals a rebuild up to that position', async (t) => {
  const { store, readModels } = open(t);
  await seedLedger(store);
  const at = await resolveAsOf(store, parseAsOf('2025-03-03T14:01:30Z'));
  t.is(at.position.commit, 8n);
  const scratch = readModels('as-of.sqlite');
  const replayed = await replayTo(store, scratch, allProjections, at.position);
  const reference = await rebuildProjections(store, readModels('reference.sqlite'), allProjections, { until: at.position });
  t.deepEqual(replayed.map((m) => m.digest), reference.map((r) => r.digest));
  t.true(replayed.every((m) => m.events === 8));
  t.like(scratch.getDocument<KeyRegistryDocument>(KEY_REGISTRY, 'ci-key'), { status: 'active' });
  t.is(scratch.checkpoint(KEY_REGISTRY)?.position.commit, 8n);
});

test('a diff lists the documents added, changed and removed between two points, per read model', async (t) => {
  const { store, readModels } = open(t);
  await seedLedger(store);
  const state = async (name: string, point: string) => {
    const s = readModels(name);
    await replayTo(store, s, allProjections, (await resolveAsOf(store, parseAsOf(point))).position);
    return s;
  };
  const two = await state('2.sqlite', '2');
  const four = await state('4.sqlite', '4');
  const eight = await state('8.sqlite', '8');
  const nine = await state('9.sqlite', '9');
  const changes = (a: SqliteReadModelStore, b: SqliteReadModelStore, p: string) => [...diffReadModels(a, b, p)].map((c: DocumentChange) => `${c.change} ${c.key}`);

  t.deepEqual(changes(two, four, KEY_REGISTRY), ['added ci-key']);
  t.deepEqual(changes(four, two, KEY_REGISTRY), ['removed ci-key']);
  t.deepEqual(changes(eight, nine, KEY_REGISTRY), ['changed ci-key'], 'the revocation at position 9');
  t.deepEqual(changes(eight, nine, 'audit-trail'), ['added 00000000000000000009', 'added key:ci-key:00000000000000000009']);
  t.deepEqual(changes(nine, nine, 'audit-trail'), []);
  const [revoked] = [...diffReadModels(eight, nine, KEY_REGISTRY)];
  t.like(revoked, { change: 'changed', before: { status: 'active' }, after: { status: 'revoked' } });
});
