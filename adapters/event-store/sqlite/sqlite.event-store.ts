import type Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { verifyChainOf, type ChainVerdict } from '../../../domain/events/chain-verification';
import {
  START_POSITION,
  type EventMetadata,
  type NewEvent,
  type Position,
  type RecordedEvent,
  type StreamName,
} from '../../../domain/events/event';
import { linkEvents } from '../../../domain/events/event-hash';
import { eventStoreMigrations } from '../../../migrations/event-store';
import { ConcurrencyError } from '../../../src/errors/concurrency-error';
import { closedStoreError, toStoreError } from './sqlite.errors';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
  Subscription,
} from '../../../src/ports/event-store';
import { openDatabase, type Synchronous } from '../../sqlite/open-database';
import { expectationHolds } from '../expected-revision';
import { validateNewEvents } from '../validate-new-events';
import { filterClause } from './filter-clause';
import { SqliteSubscription } from './sqlite.subscription';

interface EventRow {
  position: number | bigint;
  stream: string;
  revision: number | bigint;
  id: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
}

interface PendingAppend {
  readonly stream: StreamName;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  readonly resolve: (r: AppendResult) => void;
  readonly reject: (e: unknown) => void;
}

export interface SqliteEventStoreOptions {
  readonly synchronous?: Synchronous;
  /** How often a subscription looks for events written by another process. */
  readonly pollIntervalMs?: number;
}

const PAGE = 1000;

/**
 * The embedded event store: one SQLite file, WAL, `synchronous=FULL`.
 *
 * Appends are group-committed: every append that arrives while the event loop
 * is busy joins the next batch, and the batch is one transaction and one
 * fsync. Each append in the batch runs in its own savepoint, so one that fails
 * its expected-revision check fails alone and the others still commit. A
 * promise resolves only after the commit that made its events durable.
 */
export class SqliteEventStore implements EventStore {
  /** Appends queue up and commit in call order (see flush). */
  readonly appendsCommitInCallOrder = true;
  private readonly appended = new EventEmitter();
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly statements;
  private readonly queries = new Map<string, Database.Statement<unknown[], EventRow>>();

  private constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteEventStoreOptions,
  ) {
    this.appended.setMaxListeners(0);
    this.statements = {
      streamHead: db.prepare<[string], { revision: number | bigint; head_hash: string }>(
        'SELECT revision, head_hash FROM streams WHERE stream = ?',
      ),
      eventById: db.prepare<[string], { stream: string; revision: number | bigint; position: number | bigint }>(
        'SELECT stream, revision, position FROM events WHERE id = ?',
      ),
      insertEvent: db.prepare(
        'INSERT INTO events (stream, revision, id, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      upsertStream: db.prepare(
        'INSERT INTO streams (stream, revision, head_hash) VALUES (?, ?, ?) ON CONFLICT(stream) DO UPDATE SET revision = excluded.revision, head_hash = excluded.head_hash',
      ),
      head: db.prepare<[], { position: number | bigint | null }>('SELECT MAX(position) AS position FROM events'),
    };
    for (const s of Object.values(this.statements)) s.safeIntegers(true);
  }

  static open(file: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    const db = openDatabase(file, eventStoreMigrations, options.synchronous ? { synchronous: options.synchronous } : {});
    return new SqliteEventStore(db, options);
  }

  append(stream: StreamName, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(closedStoreError());
    try {
      validateNewEvents(stream, events);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ stream, events, expected: options.expectedRevision ?? 'any', resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits every queued append in one transaction (one fsync), then settles their promises. */
  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.flushScheduled = false;
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; value: AppendResult } | { ok: false; error: unknown })[] = [];
    const appendOne = this.db.transaction((p: PendingAppend) => this.appendInTransaction(p));
    try {
      this.db
        .transaction(() => {
          for (const p of batch) {
            try {
              outcomes.push({ ok: true, value: appendOne(p) });
            } catch (error) {
              outcomes.push({ ok: false, error: toStoreError(error) });
            }
          }
        })
        .immediate();
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the batch is durable.
      for (const p of batch) p.reject(toStoreError(error));
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    });
    if (outcomes.some((o) => o.ok)) this.appended.emit('appended');
  }

  private appendInTransaction(p: PendingAppend): AppendResult {
    const head = this.statements.streamHead.get(p.stream);
    const current: bigint | 'no_stream' = head ? BigInt(head.revision) : 'no_stream';

    const replay = this.idempotentReplay(p, current);
    if (replay) return replay;

    if (!expectationHolds(p.expected, current)) throw new ConcurrencyError(p.stream, p.expected, current);

    const linked = linkEvents(p.stream, p.events, head ? { revision: BigInt(head.revision), hash: head.head_hash } : null);
    let position = 0n;
    for (const { event: e, revision, metadata } of linked) {
      const info = this.statements.insertEvent.run(p.stream, revision, e.id, e.type, e.schemaVersion, JSON.stringify(e.data), JSON.stringify(metadata));
      position = BigInt(info.lastInsertRowid);
    }
    const last = linked.at(-1)!;
    const revision = last.revision;
    this.statements.upsertStream.run(p.stream, revision, last.metadata.hash);
    return { nextExpectedRevision: revision, position: { commit: position, prepare: position } };
  }

  /**
   * EventStoreDB's idempotence: if the first event id is already stored, the
   * append is a retry. It succeeds without writing when every event sits in
   * this stream, consecutively, where the expected revision put it; anything
   * else is a conflict.
   */
  private idempotentReplay(p: PendingAppend, current: bigint | 'no_stream'): AppendResult | null {
    const first = p.events[0];
    if (!first) return null;
    const firstStored = this.statements.eventById.get(first.id);
    if (!firstStored) return null;
    const start = BigInt(firstStored.revision);
    const expectedStart =
      typeof p.expected === 'bigint' ? p.expected + 1n : p.expected === 'no_stream' ? 0n : start;
    let last = { revision: start, position: BigInt(firstStored.position) };
    const consistent =
      firstStored.stream === p.stream &&
      start === expectedStart &&
      p.events.every((e, i) => {
        const stored = this.statements.eventById.get(e.id);
        if (!stored || stored.stream !== p.stream || BigInt(stored.revision) !== start + BigInt(i)) return false;
        last = { revision: BigInt(stored.revision), position: BigInt(stored.position) };
        return true;
      });
    if (!consistent) throw new ConcurrencyError(p.stream, p.expected, current);
    return { nextExpectedRevision: last.revision, position: { commit: last.position, prepare: last.position } };
  }

  readStream(stream: StreamName, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? BigInt(Number.MAX_SAFE_INTEGER) : 0n);
    const limit = options.maxCount ?? -1;
    const sql = backwards
      ? 'SELECT * FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?'
      : 'SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?';
    return this.reading(() => this.query(sql).all(stream, from, limit).map(toRecorded));
  }

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.reading(() => this.readAllSync(options));
  }

  /** A read as a promise, with SQLite's failures (and a closed store) as the port's errors. */
  private reading<T>(read: () => T): Promise<T> {
    if (this.closed) return Promise.reject(closedStoreError());
    try {
      return Promise.resolve(read());
    } catch (error) {
      return Promise.reject(toStoreError(error));
    }
  }

  /** Synchronous page read, shared by readAll and subscriptions. */
  readAllSync(options: ReadAllOptions = {}): RecordedEvent[] {
    const backwards = options.direction === 'backwards';
    const where: string[] = [];
    const params: (string | number | bigint)[] = [];
    if (options.fromPosition) {
      where.push(backwards ? 'position < ?' : 'position > ?');
      params.push(options.fromPosition.commit);
    }
    if (options.filter) {
      const f = filterClause(options.filter);
      where.push(f.sql);
      params.push(...f.params);
    }
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY position ${
      backwards ? 'DESC' : 'ASC'
    } LIMIT ?`;
    params.push(options.maxCount ?? -1);
    return this.query(sql).all(...params).map(toRecorded);
  }

  /**
   * A prepared read statement per query text: preparing cost more than the
   * small reads made for every signing and submission. The texts are few (by
   * direction and filter shape); the cache is bounded all the same.
   */
  private query(sql: string): Database.Statement<unknown[], EventRow> {
    let statement = this.queries.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare<unknown[], EventRow>(sql).safeIntegers(true);
      if (this.queries.size >= 64) this.queries.clear();
      this.queries.set(sql, statement);
    }
    return statement;
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    return new SqliteSubscription({
      from: options.fromPosition ?? START_POSITION,
      readPage: (from) => this.readAllSync({ fromPosition: from, maxCount: PAGE, ...(options.filter ? { filter: options.filter } : {}) }),
      pageSize: PAGE,
      appended: this.appended,
      pollIntervalMs: this.options.pollIntervalMs ?? 250,
    });
  }

  async verifyChain(stream: StreamName): Promise<ChainVerdict> {
    return verifyChainOf(stream, await this.readStream(stream));
  }

  /** Every stream name, for whole-store verification. */
  listStreams(): StreamName[] {
    return this.db
      .prepare<[], { stream: string }>('SELECT stream FROM streams ORDER BY stream')
      .all()
      .map((r) => r.stream as StreamName);
  }

  headPosition(): Promise<Position> {
    return this.reading(() => {
      const row = this.statements.head.get();
      if (!row || row.position === null) return START_POSITION;
      const p = BigInt(row.position);
      return { commit: p, prepare: p };
    });
  }

  ping(): Promise<void> {
    return this.reading(() => void this.statements.head.get());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let queued appends commit before the file closes.
    while (this.queue.length > 0 || this.flushScheduled) await new Promise((r) => setImmediate(r));
    this.closed = true;
    this.appended.emit('closed');
    this.db.close();
  }
}

function toRecorded(row: EventRow): RecordedEvent {
  const position = BigInt(row.position);
  return {
    id: row.id as RecordedEvent['id'],
    stream: row.stream as StreamName,
    revision: BigInt(row.revision),
    position: { commit: position, prepare: position },
    type: row.type,
    schemaVersion: Number(row.schema_version),
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as EventMetadata,
  };
}
