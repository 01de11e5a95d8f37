import test, { type ExecutionContext } from 'ava';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import type { RecordedEvent } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import { auditTrailProjection } from '../../projections/audit-trail/audit-trail.projection';
import type { Projection } from '../../projections/projection';
import { ProjectionFeed } from '../../src/projections-runtime/projection-feed';
import { ProjectionRunner } from '../../src/projections-runtime/projection-runner';
import { rebuildProjection } from '../../src/projections-runtime/rebuild';
import { anEvent } from '../support/events';
import { tempDir } from '../support/temp-dir';

/** Counts events per stream: small enough to reason about, keyed so batching matters. */
const counter = (version = 1): Projection<{ count: number; last: string }> => ({
  name: 'counter',
  version,
  handles: ['ThingHappened'],
  keysOf: (e: RecordedEvent) => [e.stream],
  evolve: (doc, e) => ({ count: (doc?.count ?? 0) + 1, last: e.id }),
});

/** A ledger and a read-model store in a fresh directory, closed after the test. */
function stores(t: ExecutionContext): { store: SqliteEventStore; readModels: SqliteReadModelStore } {
  const dir = tempDir(t);
  const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  const readModels = SqliteReadModelStore.open(join(dir, 'rm.sqlite'));
  t.teardown(async () => {
    readModels.close();
    await store.close();
  });
  return { store, readModels };
}

async function seed(store: SqliteEventStore, n: number, streams = 7): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) => store.append(streamName('thing', String(i % streams)), [anEvent(i % 5 === 0 ? 'OtherHappened' : 'ThingHappened', { i })])),
  );
}

test('a runner folds every event and its read model matches a rebuild byte for byte', async (t) => {
  const dir = tempDir(t);
  const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  const live = SqliteReadModelStore.open(join(dir, 'live.sqlite'));
  const scratch = SqliteReadModelStore.open(join(dir, 'scratch.sqlite'));
  t.teardown(async () => {
    live.close();
    scratch.close();
    await store.close();
  });
  const runner = new ProjectionRunner(store, live, counter());
  runner.start();
  await seed(store, 500);
  t.true(await runner.waitFor(await store.headPosition()));
  await runner.stop();
  const rebuilt = await rebuildProjection(store, scratch, counter());
  t.is(rebuilt.events, 500);
  t.is(live.digest('counter'), rebuilt.digest);
  t.is(live.getDocument<{ count: number }>('counter', 'thing-1')?.count, 58);
});

test('two rebuilds from the same events give identical digests', async (t) => {
  const dir = tempDir(t);
  const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  const a = SqliteReadModelStore.open(join(dir, 'a.sqlite'));
  const b = SqliteReadModelStore.open(join(dir, 'b.sqlite'));
  t.teardown(async () => {
    a.close();
    b.close();
    await store.close();
  });
  await seed(store, 300);
  const first = await rebuildProjection(store, a, auditTrailProjection);
  const second = await rebuildProjection(store, b, auditTrailProjection);
  t.is(first.digest, second.digest);
  t.is(a.listDocuments('audit-trail').length, 300);
});

test('a stopped runner resumes from its checkpoint without folding any event twice', async (t) => {
  const { store, readModels } = stores(t);
  await seed(store, 100, 1);
  const first = new ProjectionRunner(store, readModels, counter());
  first.start();
  t.true(await first.waitFor(await store.headPosition()));
  await first.stop();
  await seed(store, 100, 1);
  const second = new ProjectionRunner(store, readModels, counter());
  second.start();
  t.true(await second.waitFor(await store.headPosition()));
  await second.stop();
  t.is(readModels.getDocument<{ count: number }>('counter', 'thing-0')?.count, 160);
});

test('a projection whose version changed is rebuilt from the start', async (t) => {
  const { store, readModels } = stores(t);
  await seed(store, 50, 1);
  const v1 = new ProjectionRunner(store, readModels, counter(1));
  v1.start();
  await v1.waitFor(await store.headPosition());
  await v1.stop();
  const v2 = new ProjectionRunner(store, readModels, counter(2));
  v2.start();
  await v2.waitFor(await store.headPosition());
  await v2.stop();
  t.is(readModels.checkpoint('counter')?.version, 2);
  t.is(readModels.getDocument<{ count: number }>('counter', 'thing-0')?.count, 40);
});

test('a projection that throws stops, reports the failure, and keeps its last good checkpoint', async (t) => {
  const { store, readModels } = stores(t);
  const broken: Projection = {
    ...counter(),
    evolve: (_d, e) => {
      if ((e.data as { i: number }).i === 3) throw new Error('cannot fold i=3');
      return {};
    },
  };
  const errors: string[] = [];
  const runner = new ProjectionRunner(store, readModels, broken, (_n, e) => errors.push(String(e)));
  runner.start();
  for (let i = 0; i < 5; i++) await store.append(streamName('thing', 'x'), [anEvent('ThingHappened', { i })]);
  await new Promise((r) => setTimeout(r, 300));
  await runner.stop();
  t.regex(runner.status().failed ?? '', /cannot fold i=3/);
  t.is(errors.length, 1);
  t.true((readModels.checkpoint('counter')?.position.commit ?? 0n) < 4n);
});

test('projections fed together commit together, and one that fails mid-batch rolls back alone', async (t) => {
  const { store, readModels } = stores(t);
  // One document per event, and the fourth cannot be stored (canonical JSON refuses a bigint):
  // the batch fails inside the write, after three documents were already written.
  const unstorable: Projection = {
    name: 'unstorable',
    version: 1,
    handles: ['ThingHappened'],
    keysOf: (e: RecordedEvent) => [e.id],
    evolve: (_d, e) => ({ i: (e.data as { i: number }).i === 3 ? 3n : (e.data as { i: number }).i }),
  };
  const good = new ProjectionRunner(store, readModels, counter());
  const bad = new ProjectionRunner(store, readModels, unstorable);
  const feed = new ProjectionFeed(store, readModels, [good, bad]);
  feed.start();
  await store.append(streamName('thing', 'x'), Array.from({ length: 5 }, (_, i) => anEvent('ThingHappened', { i })));
  t.true(await good.waitFor(await store.headPosition()));
  await feed.stop();
  t.is(readModels.getDocument<{ count: number }>('counter', 'thing-x')?.count, 5);
  t.truthy(bad.status().failed);
  t.deepEqual(readModels.listDocuments('unstorable'), [], 'the failed batch left none of its documents');
  t.is(readModels.checkpoint('unstorable')?.position.commit, 0n);
});

test('when the commit of a tick fails, no runner claims a position that was not stored and no waiter is told it was', async (t) => {
  const { store, readModels: real } = stores(t);
  // The folds run, then the commit fails the way a full disk makes it fail.
  const failingCommit = new Proxy(real, {
    get(target, name, receiver) {
      if (name !== 'inTransaction') return Reflect.get(target, name, receiver) as unknown;
      return (work: () => void) =>
        target.inTransaction(() => {
          work();
          throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        });
    },
  });
  const runner = new ProjectionRunner(store, failingCommit, counter());
  const feed = new ProjectionFeed(store, failingCommit, [runner]);
  feed.start();
  await store.append(streamName('thing', 'x'), [anEvent('ThingHappened', { i: 0 })]);
  const answered = await runner.waitFor(await store.headPosition(), 1_000);
  await feed.stop();
  t.false(answered);
  t.regex(runner.status().failed ?? '', /disk is full/);
  t.is(runner.status().position.commit, 0n);
  t.is(real.checkpoint('counter')?.position.commit, 0n);
});

test('a feed that is stopped folds what it holds and then leaves the read models alone, so they can be closed', async (t) => {
  const dir = tempDir(t);
  const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  const readModels = SqliteReadModelStore.open(join(dir, 'rm.sqlite'));
  t.teardown(() => store.close());
  const errors: unknown[] = [];
  const runner = new ProjectionRunner(store, readModels, counter(), (_n, e) => errors.push(e));
  const feed = new ProjectionFeed(store, readModels, [runner], (_n, e) => errors.push(e));
  feed.start();
  await store.append(streamName('thing', 'x'), [anEvent('ThingHappened', { i: 0 })]);
  await feed.stop();
  readModels.close();
  await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(errors, []);
  t.is(runner.status().failed, null);
});
