import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type ReadRevision,
} from '@eventstore/db-client';
import { verifyChainOf, type ChainVerdict } from '../../../domain/events/chain-verification';
import { START_POSITION, type NewEvent, type Position, type RecordedEvent, type StreamName } from '../../../domain/events/event';
import { ConcurrencyError } from '../../../src/errors/concurrency-error';
import type {
  AppendOptions,
  AppendResult,
  Direction,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  Subscription,
} from '../../../src/ports/event-store';
import { validateNewEvents } from '../validate-new-events';
import {
  exactRevisionFor,
  expectationHolds,
  isPastCursor,
  isStartPosition,
  isSystemEvent,
  matchReplay,
  matchesFilter,
  replayStartFor,
  toConcurrencyError,
  toEventData,
  toReadPosition,
  toRecordedEvent,
  toStoreError,
  toSubscriptionFilter,
  type CurrentRevision,
} from './esdb.mapping';
import { EsdbSubscription } from './esdb.subscription';

/** $all is read in pages of this many records (system events included) when filtering client-side. */
const PAGE = 1000;
/** Appends with 'any' or 'stream_exists' re-read the head and retry this many times when another writer interleaves. */
const APPEND_ATTEMPTS = 5;
/**
 * How far back from a stream's end an append with 'any' or 'stream_exists'
 * looks for its own first event id, to recognise a retry (EventStoreDB's own
 * idempotence for 'any' is likewise best effort). Exact expectations look at
 * exactly the right place instead.
 */
const REPLAY_WINDOW = 100;
const PING_DEADLINE_MS = 2_000;

/**
 * The event store on EventStoreDB (22.6 or later), through its gRPC client.
 *
 * It keeps the embedded store's guarantees: the same validation, the same
 * per-stream hash chain in each event's metadata, EventStoreDB's own
 * expected-revision semantics, idempotent retries by event id. To keep the
 * chain sound every write is conditional on the exact head it was hashed
 * against: an append reads the stream's last event, links the new events to
 * its hash, and appends expecting exactly that revision; with 'any' or
 * 'stream_exists' a lost race re-reads and retries.
 *
 * The database should be Attestor's own: readAll and subscriptions skip
 * EventStoreDB's system events, and reading an event that Attestor did not
 * write (no hash-chain metadata) is an error.
 */
export class EsdbEventStore implements EventStore {
  /** Concurrent appends to different streams may commit in any order. */
  readonly appendsCommitInCallOrder = false;
  private readonly subscriptions = new Set<EsdbSubscription>();
  private closed = false;

  private constructor(private readonly client: EventStoreDBClient) {}

  /**
   * Connects lazily (the first call opens the channel), so an unreachable
   * server shows as a failing /readyz rather than a crash at start-up.
   * @param connectionString e.g. `esdb://localhost:2113?tls=false`
   * @throws Error when the connection string is malformed.
   */
  static connect(connectionString: string): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(connectionString));
  }

  /** Wraps a client configured in code (certificates, credentials); the store disposes of it on close. */
  static fromClient(client: EventStoreDBClient): EsdbEventStore {
    return new EsdbEventStore(client);
  }

  async append(stream: StreamName, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    // Ids are validated lowercase, as EventStoreDB reads them back: the hash chain covers the id.
    validateNewEvents(stream, events);
    const expected = options.expectedRevision ?? 'any';
    const proposed = events;
    const placeless = expected === 'any' || expected === 'stream_exists';
    for (let attempt = 1; ; attempt++) {
      // Newest first: [0] is the head whose hash the new events link to.
      const tail = await this.readStream(stream, { direction: 'backwards', maxCount: placeless ? REPLAY_WINDOW : 1 });
      const head = tail[0] ? { revision: tail[0].revision, hash: tail[0].metadata.hash } : null;
      const current: CurrentRevision = head ? head.revision : 'no_stream';

      const replay = await this.findReplay(stream, proposed, expected, current, tail);
      if (replay) return { nextExpectedRevision: replay.revision, position: replay.position };
      if (!expectationHolds(expected, current)) throw new ConcurrencyError(stream, expected, current);

      try {
        const result = await this.client.appendToStream(stream, toEventData(stream, proposed, head), {
          expectedRevision: exactRevisionFor(current),
        });
        // The append reply's position is not reliably the last event's (and is absent for an
        // idempotent write): read it back so it equals what readStream and readAll report.
        return { nextExpectedRevision: result.nextExpectedRevision, position: await this.positionOf(stream, result.nextExpectedRevision) };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw toStoreError('append', error);
        // Another writer moved the head after it was read. The next pass re-reads it: a retry of
        // these very events is then recognised, a stale exact expectation fails with the real
        // revision, and 'any' or 'stream_exists' links to the new head and tries again.
        if (attempt >= APPEND_ATTEMPTS) throw toConcurrencyError(stream, expected, error);
      }
    }
  }

  /**
   * EventStoreDB has no index by event id, so a retry is looked for where it
   * would be: after the exact expected revision, at 0 for 'no_stream', or
   * among the last events for 'any' and 'stream_exists'.
   */
  private async findReplay(
    stream: StreamName,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
    current: CurrentRevision,
    tail: readonly RecordedEvent[],
  ): Promise<RecordedEvent | null> {
    const firstId = events[0]!.id;
    let start = replayStartFor(expected, current);
    if (start === null) {
      if (typeof expected === 'bigint' || expected === 'no_stream') return null;
      const found = tail.find((e) => e.id === firstId);
      if (!found) return null;
      start = found.revision;
    }
    const stored = await this.readStream(stream, { fromRevision: start, maxCount: events.length });
    return matchReplay(stream, events, stored, expected, current);
  }

  private async positionOf(stream: StreamName, revision: bigint): Promise<Position> {
    const [last] = await this.readStream(stream, { fromRevision: revision, maxCount: 1 });
    if (!last) throw new Error(`stream ${stream}: the event just appended at revision ${revision} cannot be read back`);
    return last.position;
  }

  async readStream(stream: StreamName, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    if (options.maxCount === 0) return [];
    const fromRevision: ReadRevision = options.fromRevision ?? (backwards ? END : START);
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(stream, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision,
        ...(options.maxCount !== undefined && options.maxCount > 0 ? { maxCount: options.maxCount } : {}),
      });
      for await (const resolved of read) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toStoreError('readStream', error);
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const direction: Direction = options.direction ?? 'forwards';
    const limit = options.maxCount !== undefined && options.maxCount >= 0 ? options.maxCount : Infinity;
    const events: RecordedEvent[] = [];
    if (limit === 0) return events;
    if (direction === 'backwards' && options.fromPosition && isStartPosition(options.fromPosition)) return events;
    for await (const e of this.scanAll(direction, options.fromPosition, PAGE)) {
      if (!matchesFilter(options.filter, e.stream, e.type)) continue;
      events.push(e);
      if (events.length >= limit) break;
    }
    return events;
  }

  /**
   * The ledger's events in $all, strictly beyond `from`, page by page. The
   * client (6.x) offers no server-side filter for reads, so callers filter
   * what this yields. Each page starts at the last record seen (inclusive in
   * EventStoreDB), which is dropped: no gap, no duplicate.
   */
  private async *scanAll(direction: Direction, from: Position | undefined, pageSize: number): AsyncGenerator<RecordedEvent> {
    let cursor = direction === 'forwards' && from && isStartPosition(from) ? undefined : from;
    for (;;) {
      const page: { readonly position: Position; readonly event: RecordedEvent | null }[] = [];
      try {
        const read = this.client.readAll({
          direction: direction === 'backwards' ? BACKWARDS : FORWARDS,
          fromPosition: toReadPosition(cursor, direction),
          maxCount: pageSize,
        });
        for await (const resolved of read) {
          const rec = resolved.event;
          if (!rec) continue;
          const skip = isSystemEvent(rec.streamId, rec.type) || !isPastCursor(rec.position, cursor, direction);
          page.push({ position: rec.position, event: skip ? null : toRecordedEvent(rec) });
        }
      } catch (error) {
        throw toStoreError('readAll', error);
      }
      for (const p of page) if (p.event) yield p.event;
      const last = page[page.length - 1];
      if (page.length < pageSize || !last || !isPastCursor(last.position, cursor, direction)) return;
      cursor = last.position;
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const from = options.fromPosition && !isStartPosition(options.fromPosition) ? options.fromPosition : undefined;
    const source = this.client.subscribeToAll({
      fromPosition: from ? { commit: from.commit, prepare: from.prepare } : START,
      filter: toSubscriptionFilter(options.filter),
    });
    const subscription = new EsdbSubscription(source, {
      from,
      filter: options.filter,
      onClose: (s) => this.subscriptions.delete(s),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async verifyChain(stream: StreamName): Promise<ChainVerdict> {
    return verifyChainOf(stream, await this.readStream(stream));
  }

  async headPosition(): Promise<Position> {
    this.assertOpen();
    // The very end of $all is often EventStoreDB's own ($statsCollected…): page back past it.
    for await (const e of this.scanAll('backwards', undefined, 32)) return e.position;
    return START_POSITION;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    try {
      for await (const _ of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, deadline: PING_DEADLINE_MS })) {
        break;
      }
    } catch (error) {
      throw toStoreError('ping', error, 1);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event store is closed');
  }
}
