import test from 'ava';
import { randomUUID } from 'node:crypto';
import { START_POSITION, comparePositions, type EventId, type RecordedEvent, type StreamName } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import { ValidationError } from '../../src/errors/app-error';
import { ConcurrencyError } from '../../src/errors/concurrency-error';
import type { EventStore } from '../../src/ports/event-store';
import { aStream, anEvent, someEvents } from '../support/events';

/** What a backend's test file hands the contract. */
export interface EventStoreHarness {
  readonly store: EventStore;
  /**
   * Rewrites storage behind the port's back, as an attacker with write access
   * to the database would; null where the backend offers no way to do it.
   */
  readonly tamper: StorageTamperer | null;
  dispose(): Promise<void>;
}

export interface StorageTamperer {
  alterData(stream: StreamName, revision: bigint, data: unknown): Promise<void>;
  remove(stream: StreamName, revision: bigint): Promise<void>;
  swap(stream: StreamName, a: bigint, b: bigint): Promise<void>;
}

/**
 * The behaviour every EventStore implementation must share, so that the
 * embedded store and EventStoreDB are interchangeable. Streams and filters use
 * fresh names in every test so that one shared server can run them all.
 */
export function eventStoreContract(backend: string, open: () => Promise<EventStoreHarness>): void {
  const it = (title: string, body: (store: EventStore, h: EventStoreHarness) => Promise<void>): void => {
    test(`${backend}: ${title}`, async (t) => {
      const h = await open();
      t.teardown(() => h.dispose());
      await body(h.store, h);
      t.pass();
    });
  };
  const assert = (cond: boolean, message: string): void => {
    if (!cond) throw new Error(`contract violated: ${message}`);
  };
  const rejectsWith = async <E>(p: Promise<unknown>, type: new (...a: never[]) => E, what: string): Promise<E> => {
    try {
      await p;
    } catch (err) {
      assert(err instanceof type, `${what}: expected ${type.name}, got ${String(err)}`);
      return err as E;
    }
    throw new Error(`contract violated: ${what}: expected ${type.name}, but it succeeded`);
  };

  it('reads a stream back in order, revisions from 0, with data and metadata intact', async (store) => {
    const stream = aStream();
    const events = [anEvent('ThingHappened', { a: 1, nested: { list: [1, 'two'] } }), anEvent('ThingChanged', { b: 'x' })];
    const result = await store.append(stream, events, { expectedRevision: 'no_stream' });
    assert(result.nextExpectedRevision === 1n, 'next expected revision is the last revision');
    const read = await store.readStream(stream);
    assert(read.length === 2, 'two events read');
    read.forEach((e, i) => {
      const sent = events[i]!;
      assert(e.id === sent.id && e.type === sent.type && e.revision === BigInt(i), `event ${i} identity`);
      assert(JSON.stringify(e.data) === JSON.stringify(sent.data), `event ${i} data`);
      assert(e.metadata.tenant === 'acme' && e.metadata.actor === 'user:alice', `event ${i} metadata`);
      assert(e.metadata.occurredAt === sent.metadata.occurredAt, `event ${i} occurredAt kept from the caller's clock`);
      assert(/^[0-9a-f]{64}$/.test(e.metadata.hash), `event ${i} carries its content hash`);
    });
    assert(read[1]!.metadata.prevHash === read[0]!.metadata.hash, 'second event links to the first');
    assert(comparePositions(read[1]!.position, result.position) === 0, 'append returns the last position');
  });

  it('an unknown stream reads as empty', async (store) => {
    assert((await store.readStream(aStream())).length === 0, 'empty');
  });

  it("'no_stream' succeeds on a new stream and fails once it exists", async (store) => {
    const stream = aStream();
    await store.append(stream, [anEvent()], { expectedRevision: 'no_stream' });
    const err = await rejectsWith(store.append(stream, [anEvent()], { expectedRevision: 'no_stream' }), ConcurrencyError, 'no_stream on existing');
    assert(err.stream === stream && err.expected === 'no_stream' && err.actual === 0n, 'error names stream, expected and actual');
  });

  it("'stream_exists' fails on a new stream and succeeds once it exists", async (store) => {
    const stream = aStream();
    const err = await rejectsWith(store.append(stream, [anEvent()], { expectedRevision: 'stream_exists' }), ConcurrencyError, 'stream_exists on new');
    assert(err.actual === 'no_stream', 'actual is no_stream');
    await store.append(stream, [anEvent()]);
    await store.append(stream, [anEvent()], { expectedRevision: 'stream_exists' });
    assert((await store.readStream(stream)).length === 2, 'two events');
  });

  it('an exact revision succeeds when it is the last revision and fails when stale', async (store) => {
    const stream = aStream();
    const first = await store.append(stream, someEvents(3));
    const second = await store.append(stream, [anEvent()], { expectedRevision: first.nextExpectedRevision });
    assert(second.nextExpectedRevision === 3n, 'revision advanced');
    const err = await rejectsWith(store.append(stream, [anEvent()], { expectedRevision: 2n }), ConcurrencyError, 'stale revision');
    assert(err.expected === 2n && err.actual === 3n, 'error names expected 2 and actual 3');
    await rejectsWith(store.append(aStream(), [anEvent()], { expectedRevision: 0n }), ConcurrencyError, 'revision on new stream');
  });

  it('of concurrent writers racing on one revision exactly one wins', async (store) => {
    const stream = aStream();
    const { nextExpectedRevision } = await store.append(stream, [anEvent()]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 16 }, () => store.append(stream, [anEvent('Raced')], { expectedRevision: nextExpectedRevision })),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled').length;
    const lost = outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof ConcurrencyError).length;
    assert(won === 1 && lost === 15, `one winner and 15 ConcurrencyErrors (got ${won} and ${lost})`);
    assert((await store.readStream(stream)).length === 2, 'exactly one raced event stored');
  });

  it('re-appending the same event ids at the same expected revision succeeds without duplicates', async (store) => {
    const stream = aStream();
    await store.append(stream, [anEvent()]);
    const events = someEvents(3);
    const first = await store.append(stream, events, { expectedRevision: 0n });
    const retry = await store.append(stream, events, { expectedRevision: 0n });
    assert(retry.nextExpectedRevision === first.nextExpectedRevision, 'retry reports the same revision');
    const retryAny = await store.append(stream, events, { expectedRevision: 'any' });
    assert(retryAny.nextExpectedRevision === first.nextExpectedRevision, "retry with 'any' too");
    assert((await store.readStream(stream)).length === 4, 'no duplicates');
  });

  it('a retry that only partly matches what is stored is a conflict, and writes nothing', async (store) => {
    const stream = aStream();
    const events = someEvents(2);
    await store.append(stream, events, { expectedRevision: 'no_stream' });
    await rejectsWith(store.append(stream, [events[0]!, anEvent()], { expectedRevision: 'no_stream' }), ConcurrencyError, 'partial retry');
    assert((await store.readStream(stream)).length === 2, 'nothing written');
  });

  it('reads a stream backwards, from a revision, and at most maxCount', async (store) => {
    const stream = aStream();
    await store.append(stream, someEvents(10));
    const revs = (es: RecordedEvent[]): string => es.map((e) => e.revision).join(',');
    assert(revs(await store.readStream(stream, { fromRevision: 7n })) === '7,8,9', 'forwards from 7');
    assert(revs(await store.readStream(stream, { direction: 'backwards', maxCount: 3 })) === '9,8,7', 'last three backwards');
    assert(revs(await store.readStream(stream, { direction: 'backwards', fromRevision: 2n })) === '2,1,0', 'backwards from 2');
    assert(revs(await store.readStream(stream, { fromRevision: 4n, maxCount: 2 })) === '4,5', 'two from 4');
  });

  it('readAll returns events of all streams in one global order, and pages from a position', async (store) => {
    const prefix = `order${randomUUID().slice(0, 8)}`;
    const a = streamName(prefix, 'a');
    const b = streamName(prefix, 'b');
    await store.append(a, [anEvent('ThingHappened', { i: 0 })]);
    await store.append(b, [anEvent('ThingHappened', { i: 1 })]);
    await store.append(a, [anEvent('ThingHappened', { i: 2 })]);
    const filter = { streamPrefixes: [`${prefix}-`] };
    const all = await store.readAll({ filter });
    assert(all.map((e) => (e.data as { i: number }).i).join() === '0,1,2', 'append order');
    for (let i = 1; i < all.length; i++) assert(comparePositions(all[i - 1]!.position, all[i]!.position) < 0, 'positions increase');
    const rest = await store.readAll({ filter, fromPosition: all[0]!.position });
    assert(rest.map((e) => e.id).join() === all.slice(1).map((e) => e.id).join(), 'strictly after the position');
    const back = await store.readAll({ filter, direction: 'backwards', maxCount: 2 });
    assert(back.map((e) => e.id).join() === [all[2]!.id, all[1]!.id].join(), 'backwards from the end');
    const firstTwo = await store.readAll({ filter, maxCount: 2, fromPosition: START_POSITION });
    assert(firstTwo.length === 2, 'maxCount');
  });

  it('readAll filters by stream prefix and by event-type prefix', async (store) => {
    const tag = randomUUID().replace(/-/g, '').slice(0, 10);
    const keyStream = streamName(`key${tag}`, '1');
    const subStream = streamName(`submission${tag}`, '1');
    await store.append(keyStream, [anEvent(`Key${tag}Created`), anEvent(`Key${tag}Rotated`)]);
    await store.append(subStream, [anEvent(`Entry${tag}Logged`)]);
    const byStream = await store.readAll({ filter: { streamPrefixes: [`key${tag}-`] } });
    assert(byStream.length === 2 && byStream.every((e) => e.stream === keyStream), 'stream prefix');
    const byType = await store.readAll({ filter: { eventTypePrefixes: [`Key${tag}`, `Entry${tag}`] } });
    assert(byType.length === 3, 'two type prefixes');
    const rotated = await store.readAll({ filter: { eventTypePrefixes: [`Key${tag}Rot`] } });
    assert(rotated.length === 1 && rotated[0]!.type === `Key${tag}Rotated`, 'one type prefix');
  });

  it('a subscription catches up, then goes live, delivering every event once in order with no gap', async (store) => {
    const prefix = `sub${randomUUID().slice(0, 8)}`;
    const stream = (i: number): StreamName => streamName(prefix, String(i % 3));
    for (let i = 0; i < 30; i++) await store.append(stream(i), [anEvent('ThingHappened', { i })]);
    const subscription = store.subscribeToAll({ filter: { streamPrefixes: [`${prefix}-`] } });
    const seen: number[] = [];
    const writer = (async () => {
      // Live appends race with the catch-up: some land before it ends, some after.
      for (let i = 30; i < 90; i++) {
        await store.append(stream(i), [anEvent('ThingHappened', { i })]);
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const deadline = setTimeout(() => void subscription.close(), 20_000);
    for await (const e of subscription) {
      seen.push((e.data as { i: number }).i);
      if (seen.length === 90) break;
    }
    clearTimeout(deadline);
    await subscription.close();
    await writer;
    assert(seen.length === 90, `all 90 events delivered (got ${seen.length})`);
    assert(seen.every((v, i) => v === i), 'in global order, each once');
  });

  it('a subscription from a position delivers only what comes after it', async (store) => {
    const prefix = `from${randomUUID().slice(0, 8)}`;
    const s = streamName(prefix, 'x');
    const first = await store.append(s, someEvents(5));
    await store.append(s, [anEvent('ThingHappened', { last: true })]);
    const subscription = store.subscribeToAll({ fromPosition: first.position, filter: { streamPrefixes: [`${prefix}-`] } });
    for await (const e of subscription) {
      assert((e.data as { last?: boolean }).last === true, 'only the later event');
      break;
    }
    await subscription.close();
  });

  it('verifyChain accepts an untouched stream', async (store) => {
    const stream = aStream();
    await store.append(stream, someEvents(5));
    await store.append(stream, someEvents(3));
    const verdict = await store.verifyChain(stream);
    assert(verdict.ok && verdict.events === 8 && verdict.firstBreak === null, 'chain verifies');
  });

  it('verifyChain detects an altered, a removed and a reordered event', async (store, h) => {
    if (!h.tamper) return; // This backend has no way to rewrite storage at all.
    const altered = aStream();
    await store.append(altered, someEvents(4));
    await h.tamper.alterData(altered, 2n, { n: 999 });
    const a = await store.verifyChain(altered);
    assert(!a.ok && a.firstBreak?.kind === 'content-hash-mismatch' && a.firstBreak.revision === 2n, 'alteration at revision 2');

    const removed = aStream();
    await store.append(removed, someEvents(4));
    await h.tamper.remove(removed, 1n);
    const r = await store.verifyChain(removed);
    assert(!r.ok && r.firstBreak?.kind === 'revision-gap', 'removal');

    const reordered = aStream();
    await store.append(reordered, someEvents(4));
    await h.tamper.swap(reordered, 1n, 2n);
    const o = await store.verifyChain(reordered);
    assert(!o.ok, 'reordering');
  });

  it('refuses malformed events with a ValidationError and writes nothing', async (store) => {
    const stream = aStream();
    const good = anEvent();
    const cases = [
      [],
      [{ ...good, id: 'not-a-uuid' as EventId }],
      [{ ...good, type: 'lower case' }],
      [{ ...good, schemaVersion: 0 }],
      [{ ...good, data: undefined }],
      [{ ...good, metadata: { ...good.metadata, tenant: '' } }],
      [{ ...good, metadata: { ...good.metadata, occurredAt: 'yesterday' } }],
      [good, { ...anEvent(), id: good.id }],
    ];
    for (const events of cases) await rejectsWith(store.append(stream, events), ValidationError, JSON.stringify(events).slice(0, 80));
    assert((await store.readStream(stream)).length === 0, 'nothing written');
  });

  it('offers no way to delete, truncate or rewrite', async (store) => {
    const methods = new Set<string>();
    for (let o: object | null = store; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
      for (const name of Object.getOwnPropertyNames(o)) methods.add(name.toLowerCase());
    }
    for (const forbidden of ['delete', 'deletestream', 'truncate', 'tombstone', 'update', 'rewrite', 'setstreammetadata']) {
      assert(!methods.has(forbidden), `no ${forbidden} method`);
    }
  });

  it('the head position follows appends', async (store) => {
    const before = await store.headPosition();
    const r = await store.append(aStream(), [anEvent()]);
    const after = await store.headPosition();
    assert(comparePositions(after, before) > 0 && comparePositions(after, r.position) >= 0, 'head moved to at least the append');
  });
}
