import {
  MaxAppendSizeExceededError,
  StreamNotFoundError,
  UnavailableError as EsdbUnavailableError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendToStreamOptions,
  type EventData,
  type EventStoreDBClient,
  type Filter,
  type JSONEventData,
  type ReadAllOptions,
  type ReadStreamOptions,
  type SubscribeToAllOptions,
} from '@eventstore/db-client';
import test from 'ava';
import { validateNewEvents } from '../../adapters/event-store/validate-new-events';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { EsdbEventStore } from '../../adapters/event-store/esdb/esdb.event-store';
import {
  exactRevisionFor,
  expectationHolds,
  isPastCursor,
  matchReplay,
  replayStartFor,
  toConcurrencyError,
  toEventData,
  toReadPosition,
  toRecordedEvent,
  toStoreError,
  toSubscriptionFilter,
  type EsdbRecord,
} from '../../adapters/event-store/esdb/esdb.mapping';
import { verifyChainOf } from '../../domain/events/chain-verification';
import { GENESIS_HASH, START_POSITION, type EventId, type NewEvent, type RecordedEvent, type StreamName } from '../../domain/events/event';
import { eventContentHash } from '../../domain/events/event-hash';
import { UnavailableError, ValidationError } from '../../src/errors/app-error';
import { ConcurrencyError } from '../../src/errors/concurrency-error';
import { eventStoreContract } from '../contract/event-store.contract';
import { aStream, anEvent, someEvents } from '../support/events';

const connectionString = process.env['ESDB_CONNECTION_STRING'];

if (connectionString) {
  eventStoreContract('EventStoreDB', () => {
    const store = EsdbEventStore.connect(connectionString);
    // EventStoreDB offers no way to rewrite a stored event, so there is nothing to tamper with.
    return Promise.resolve({ store, tamper: null, dispose: () => store.close() });
  });
} else {
  test('EventStoreDB contract suite', (t) => {
    t.log('EventStoreDB contract suite skipped: set ESDB_CONNECTION_STRING=esdb://localhost:2113?tls=false to run it');
    t.pass();
  });
}

/**
 * An in-memory stand-in for the gRPC client with EventStoreDB's semantics as
 * documented: exact-revision idempotence, inclusive read positions (backwards
 * too, the worse case for the adapter), multi-event appends sharing a commit
 * position, system events interleaved in $all, catch-up subscriptions whose
 * unsubscribe does not end the stream. It lets the whole contract run against
 * the adapter's logic here; only a real server proves the wire behaviour.
 */
class FakeEsdbClient {
  private readonly log: {
    stream: string;
    id: string;
    revision: bigint;
    type: string;
    data: string;
    metadata: string;
    position: { commit: bigint; prepare: bigint };
  }[] = [];
  private logPosition = 100n;
  private appends = 0;
  private readonly live = new Set<() => void>();

  private write(stream: string, events: readonly { id: string; type: string; data: string; metadata: string }[]): void {
    const commit = this.logPosition;
    let revision = BigInt(this.log.filter((r) => r.stream === stream).length);
    for (const e of events) {
      this.log.push({ stream, ...e, revision: revision++, position: { commit, prepare: this.logPosition } });
      this.logPosition += 100n;
    }
    for (const notify of this.live) notify();
  }

  private resolved(r: FakeEsdbClient['log'][number]): AllStreamResolvedEvent {
    return {
      event: {
        streamId: r.stream,
        id: r.id,
        revision: r.revision,
        type: r.type,
        isJson: true,
        data: JSON.parse(r.data) as Record<string, unknown>,
        metadata: r.metadata ? (JSON.parse(r.metadata) as Record<string, unknown>) : undefined,
        created: new Date(0),
        position: r.position,
      },
      commitPosition: r.position.commit,
    };
  }

  appendToStream = async (stream: string, events: EventData[], options: AppendToStreamOptions = {}) => {
    await new Promise((r) => setImmediate(r));
    const expected: AppendExpectedRevision = options.expectedRevision ?? 'any';
    const existing = this.log.filter((r) => r.stream === stream);
    const current = existing.length > 0 ? BigInt(existing.length - 1) : 'no_stream';
    if (typeof expected === 'bigint' || expected === 'no_stream') {
      const start = expected === 'no_stream' ? 0 : Number(expected) + 1;
      const there = existing.slice(start, start + events.length);
      if (there.length === events.length && there.every((r, i) => r.id === events[i]!.id)) {
        return { success: true, nextExpectedRevision: there[there.length - 1]!.revision, position: undefined };
      }
    }
    const holds =
      expected === 'any' ||
      (expected === 'no_stream' && current === 'no_stream') ||
      (expected === 'stream_exists' && current !== 'no_stream') ||
      expected === current;
    if (!holds) throw new WrongExpectedVersionError(undefined, { streamName: stream, expected, current });
    const first = this.logPosition;
    this.write(
      stream,
      events.map((e) => ({ id: e.id, type: e.type, data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata) })),
    );
    if (++this.appends % 3 === 0) {
      this.write('$stats-127.0.0.1:2113', [{ id: randomUUID(), type: '$statsCollected', data: '{}', metadata: '' }]);
    }
    // The position of the write, not of its last event: the adapter must not rely on it.
    return { success: true, nextExpectedRevision: BigInt(existing.length + events.length - 1), position: { commit: first, prepare: first } };
  };

  readStream = (stream: string, options: ReadStreamOptions = {}): Readable => {
    const events = this.log.filter((r) => r.stream === stream);
    if (events.length === 0) {
      return new Readable({
        objectMode: true,
        read() {
          this.destroy(new StreamNotFoundError(undefined, stream));
        },
      });
    }
    const from = options.fromRevision;
    const selected =
      options.direction === 'backwards'
        ? events.filter((r) => typeof from !== 'bigint' || r.revision <= from).reverse()
        : events.filter((r) => typeof from !== 'bigint' || r.revision >= from);
    return Readable.from(selected.slice(0, Number(options.maxCount ?? Number.MAX_SAFE_INTEGER)).map((r) => this.resolved(r)));
  };

  readAll = (options: ReadAllOptions = {}): Readable => {
    const from = options.fromPosition;
    const at = (p: { commit: bigint; prepare: bigint }): number =>
      typeof from === 'object' ? (p.commit === from.commit ? Number(p.prepare - from.prepare) : Number(p.commit - from.commit)) : 0;
    const selected =
      options.direction === 'backwards'
        ? this.log.filter((r) => at(r.position) <= 0).reverse()
        : this.log.filter((r) => at(r.position) >= 0);
    return Readable.from(selected.slice(0, Number(options.maxCount ?? Number.MAX_SAFE_INTEGER)).map((r) => this.resolved(r)));
  };

  subscribeToAll = (options: SubscribeToAllOptions = {}): Readable => {
    const filter: Filter | undefined = options.filter;
    const from = options.fromPosition;
    const matches = (r: FakeEsdbClient['log'][number]): boolean => {
      if (!filter) return true;
      const value = filter.filterOn === 'streamName' ? r.stream : r.type;
      return 'prefixes' in filter ? filter.prefixes.some((p) => value.startsWith(p)) : new RegExp(filter.regex).test(value);
    };
    let next = typeof from === 'object' ? this.log.findIndex((r) => r.position.commit >= from.commit) : 0;
    if (next < 0) next = this.log.length;
    const out = new Readable({ objectMode: true, read: () => undefined });
    const pump = (): void => {
      for (; next < this.log.length; next++) if (matches(this.log[next]!)) out.push(this.resolved(this.log[next]!));
    };
    this.live.add(pump);
    pump();
    return Object.assign(out, {
      unsubscribe: () => {
        this.live.delete(pump);
        return Promise.resolve();
      },
    });
  };

  dispose = (): Promise<void> => Promise.resolve();
}

eventStoreContract('EventStoreDB adapter on a fake client', () => {
  const store = EsdbEventStore.fromClient(new FakeEsdbClient() as unknown as EventStoreDBClient);
  return Promise.resolve({ store, tamper: null, dispose: () => store.close() });
});

test('readAll pages through $all past system events with no gap or duplicate at page edges', async (t) => {
  const store = EsdbEventStore.fromClient(new FakeEsdbClient() as unknown as EventStoreDBClient);
  t.teardown(() => store.close());
  const big = aStream();
  await store.append(big, someEvents(1500)); // one write: 1500 events sharing a commit position
  for (let i = 0; i < 12; i++) await store.append(aStream(), someEvents(100)); // system events in between
  const all = await store.readAll();
  t.is(all.length, 2700);
  t.is(new Set(all.map((e) => e.id)).size, 2700);
  t.deepEqual(
    all.filter((e) => e.stream === big).map((e) => Number(e.revision)),
    Array.from({ length: 1500 }, (_, i) => i),
  );
  const backwards = await store.readAll({ direction: 'backwards' });
  t.deepEqual(backwards.map((e) => e.id), [...all].reverse().map((e) => e.id));
  const afterMiddle = await store.readAll({ fromPosition: all[999]!.position });
  t.is(afterMiddle[0]!.id, all[1000]!.id);
  t.is(afterMiddle.length, 1700);
  const beforeMiddle = await store.readAll({ direction: 'backwards', fromPosition: all[1000]!.position, maxCount: 3 });
  t.deepEqual(beforeMiddle.map((e) => e.id), [all[999]!.id, all[998]!.id, all[997]!.id]);
  t.deepEqual(await store.headPosition(), all[2699]!.position);
});

test('closing a subscription ends an iteration that is waiting for events', async (t) => {
  const store = EsdbEventStore.fromClient(new FakeEsdbClient() as unknown as EventStoreDBClient);
  t.teardown(() => store.close());
  const stream = aStream();
  await store.append(stream, someEvents(2));
  const subscription = store.subscribeToAll();
  const seen: string[] = [];
  const reading = (async () => {
    for await (const e of subscription) seen.push(e.id);
  })();
  await new Promise((r) => setTimeout(r, 20));
  await subscription.close();
  await reading;
  t.is(seen.length, 2);
});

test('closing the store closes its subscriptions', async (t) => {
  const store = EsdbEventStore.fromClient(new FakeEsdbClient() as unknown as EventStoreDBClient);
  const subscription = store.subscribeToAll({ filter: { streamPrefixes: ['nothing-'] } });
  const reading = (async () => {
    for await (const _ of subscription) t.fail('nothing matches');
  })();
  await new Promise((r) => setTimeout(r, 10));
  await store.close();
  await reading;
  t.pass();
});

/** What EventStoreDB would hand back for events the adapter wrote: JSON through the wire, a place in the stream and in $all. */
function storedAs(stream: StreamName, data: readonly EventData[], firstRevision = 0n): EsdbRecord[] {
  return data.map((d, i) => {
    const json = d as JSONEventData;
    const revision = firstRevision + BigInt(i);
    return {
      streamId: stream,
      id: json.id,
      revision,
      type: json.type,
      isJson: true,
      data: JSON.parse(JSON.stringify(json.data)) as unknown,
      metadata: JSON.parse(JSON.stringify(json.metadata)) as unknown,
      position: { commit: 1000n, prepare: 1000n + 100n * revision },
    };
  });
}

test('an exact expected revision holds only at that revision; any, no_stream and stream_exists as in EventStoreDB', (t) => {
  t.true(expectationHolds('any', 'no_stream'));
  t.true(expectationHolds('any', 4n));
  t.true(expectationHolds('no_stream', 'no_stream'));
  t.false(expectationHolds('no_stream', 0n));
  t.false(expectationHolds('stream_exists', 'no_stream'));
  t.true(expectationHolds('stream_exists', 0n));
  t.true(expectationHolds(3n, 3n));
  t.false(expectationHolds(3n, 4n));
  t.false(expectationHolds(0n, 'no_stream'));
});

test('the adapter always appends expecting the exact head it read', (t) => {
  t.is(exactRevisionFor('no_stream'), 'no_stream');
  t.is(exactRevisionFor(7n), 7n);
});

test('a retry is looked for right after an exact revision, at 0 for no_stream, and nowhere fixed for any', (t) => {
  t.is(replayStartFor(2n, 5n), 3n);
  t.is(replayStartFor(5n, 5n), null, 'nothing stored after the expected revision yet');
  t.is(replayStartFor('no_stream', 1n), 0n);
  t.is(replayStartFor('no_stream', 'no_stream'), null);
  t.is(replayStartFor('any', 9n), null);
  t.is(replayStartFor('stream_exists', 9n), null);
});

test('positions: START_POSITION reads from the start, backwards without a position from the end, and the start position itself is excluded', (t) => {
  t.is(toReadPosition(undefined, 'forwards'), 'start');
  t.is(toReadPosition(START_POSITION, 'forwards'), 'start');
  t.deepEqual(toReadPosition({ commit: 5n, prepare: 4n }, 'forwards'), { commit: 5n, prepare: 4n });
  t.is(toReadPosition(undefined, 'backwards'), 'end');
  const at = { commit: 10n, prepare: 10n };
  t.false(isPastCursor(at, at, 'forwards'), 'EventStoreDB reads from a position inclusively; the port excludes it');
  t.true(isPastCursor({ commit: 10n, prepare: 11n }, at, 'forwards'));
  t.false(isPastCursor(at, at, 'backwards'));
  t.true(isPastCursor({ commit: 9n, prepare: 9n }, at, 'backwards'));
  t.true(isPastCursor(at, undefined, 'forwards'));
});

test('events written and read back keep their data, context and schemaVersion, and their hash chain verifies', (t) => {
  const stream = aStream();
  const events: NewEvent[] = [
    { ...anEvent('KeyCreated', { a: 1, nested: { list: [1, 'two'] } }), schemaVersion: 3 },
    anEvent('KeyRotated', 'a plain string'),
    anEvent('KeyRevoked', null, { causationId: 'cause-1' }),
  ];
  const read = storedAs(stream, toEventData(stream, events, null)).map(toRecordedEvent);
  t.is(read[0]!.schemaVersion, 3);
  t.deepEqual(read[0]!.data, { a: 1, nested: { list: [1, 'two'] } });
  t.is(read[1]!.data, 'a plain string');
  t.is(read[2]!.metadata.causationId, 'cause-1');
  t.is(read[0]!.metadata.prevHash, GENESIS_HASH);
  t.is(read[1]!.metadata.prevHash, read[0]!.metadata.hash);
  t.false('schemaVersion' in read[0]!.metadata, 'schemaVersion is lifted out of the metadata');
  t.deepEqual(read[2]!.position, { commit: 1000n, prepare: 1200n });
  const verdict = verifyChainOf(stream, read);
  t.true(verdict.ok);
  t.is(verdict.events, 3);
});

test('the hash of an event is the one the embedded store computes for the same content', (t) => {
  const stream = aStream();
  const [event] = someEvents(1);
  const head = { revision: 4n, hash: 'a'.repeat(64) };
  const [data] = toEventData(stream, [event!], head);
  const [read] = storedAs(stream, [data!], 5n).map(toRecordedEvent);
  const expected = eventContentHash({ ...event!, stream, revision: 5n, metadata: { ...event!.metadata, prevHash: head.hash } });
  t.is(read!.metadata.hash, expected);
  t.is(read!.metadata.prevHash, head.hash);
});

test('an uppercase event id is refused before anything is written: EventStoreDB reads ids back lowercase and the hash covers the id', (t) => {
  const upper = { ...anEvent(), id: 'A1B2C3D4-0000-4000-8000-00000000000F' as EventId };
  t.throws(() => validateNewEvents(aStream(), [upper]), { message: /lowercase UUID/ });
  const lower = { ...upper, id: 'a1b2c3d4-0000-4000-8000-00000000000f' as EventId };
  const stream = aStream();
  const read = storedAs(stream, toEventData(stream, [lower], null)).map(toRecordedEvent);
  t.true(verifyChainOf(stream, read).ok);
});

test('an event that Attestor did not write is refused when read', (t) => {
  const foreign: EsdbRecord = {
    streamId: 'other-1',
    id: '00000000-0000-4000-8000-000000000001',
    revision: 0n,
    type: 'Whatever',
    isJson: true,
    data: {},
    metadata: { some: 'thing' },
    position: { commit: 1n, prepare: 1n },
  };
  t.throws(() => toRecordedEvent(foreign), { message: /not written by Attestor/ });
  t.throws(() => toRecordedEvent({ ...foreign, position: undefined }), { message: /22\.6/ });
});

test('a retry matches only when every event sits consecutively where the first one is; a partial match is a conflict', (t) => {
  const stream = aStream();
  const events = someEvents(2);
  const stored: RecordedEvent[] = storedAs(stream, toEventData(stream, events, null)).map(toRecordedEvent);
  t.is(matchReplay(stream, events, stored, 'no_stream', 1n)?.revision, 1n);
  t.is(matchReplay(stream, someEvents(1), stored, 'no_stream', 1n), null, 'first id not there: not a retry');
  const error = t.throws(() => matchReplay(stream, [events[0]!, anEvent()], stored, 'no_stream', 1n), { instanceOf: ConcurrencyError });
  t.is(error?.actual, 1n);
  t.throws(() => matchReplay(stream, [...events, anEvent()], stored, 'any', 1n), { instanceOf: ConcurrencyError }, 'more events than stored');
});

test("the client's WrongExpectedVersionError becomes a ConcurrencyError naming stream, expected and actual", (t) => {
  const stream = aStream();
  const wrong = new WrongExpectedVersionError(undefined, { streamName: stream, expected: 2n, current: 3n });
  const error = toConcurrencyError(stream, 2n, wrong);
  t.true(error instanceof ConcurrencyError);
  t.is(error.stream, stream);
  t.is(error.expected, 2n);
  t.is(error.actual, 3n);
  t.is(error.status, 409);
  const none = new WrongExpectedVersionError(undefined, { streamName: stream, expected: 'stream_exists', current: 'no_stream' });
  t.is(toConcurrencyError(stream, 'stream_exists', none).actual, 'no_stream');
});

test('connection failures become UnavailableError, an oversized append a ValidationError; other errors pass through unchanged', (t) => {
  const mapped = toStoreError('append', new EsdbUnavailableError(undefined, 'connection refused'));
  t.true(mapped instanceof UnavailableError);
  t.is((mapped as UnavailableError).status, 503);
  t.is((mapped as UnavailableError).code, 'event_store_unavailable');
  const grpc = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
  t.true(toStoreError('readAll', grpc) instanceof UnavailableError);
  t.true(toStoreError('readAll', new Error('Failed to discover after 10 attempts.')) instanceof UnavailableError);
  const tooLarge = toStoreError('append', MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576));
  t.true(tooLarge instanceof ValidationError);
  t.is((tooLarge as ValidationError).code, 'append_too_large');
  const other = new Error('boom');
  t.is(toStoreError('append', other), other);
  const ours = new ValidationError('bad');
  t.is(toStoreError('append', ours), ours);
});

test('subscriptions filter on the server by stream or event-type prefix and always leave system events out', (t) => {
  const byStream = toSubscriptionFilter({ streamPrefixes: ['key-'] });
  t.is(byStream.filterOn, 'streamName');
  t.deepEqual('prefixes' in byStream ? byStream.prefixes : null, ['key-']);
  const byType = toSubscriptionFilter({ eventTypePrefixes: ['Key', 'Entry'] });
  t.is(byType.filterOn, 'eventType');
  const none = toSubscriptionFilter(undefined);
  t.is(none.filterOn, 'eventType');
  t.is('regex' in none ? none.regex : null, '^[^$].*');
});

test('a malformed connection string is refused at once', (t) => {
  t.throws(() => EsdbEventStore.connect('http://localhost:2113'));
});

test('malformed events are refused before anything reaches the server', async (t) => {
  // Nothing listens on port 1: a ValidationError here proves validation came first.
  const store = EsdbEventStore.connect('esdb://127.0.0.1:1?tls=false');
  t.teardown(() => store.close());
  await t.throwsAsync(store.append(aStream(), []), { instanceOf: ValidationError });
  await t.throwsAsync(store.append(aStream(), [{ ...anEvent(), type: 'lower case' }]), { instanceOf: ValidationError });
});

test('an unreachable server makes ping fail with UnavailableError', async (t) => {
  const store = EsdbEventStore.connect('esdb://127.0.0.1:1?tls=false');
  t.teardown(() => store.close());
  await t.throwsAsync(store.ping(), { instanceOf: UnavailableError });
});

test('a closed store refuses further calls', async (t) => {
  const store = EsdbEventStore.connect('esdb://127.0.0.1:1?tls=false');
  await store.close();
  await t.throwsAsync(store.readStream(aStream()), { message: /closed/ });
});
