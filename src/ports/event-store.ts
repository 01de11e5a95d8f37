import type { ChainVerdict } from '../../domain/events/chain-verification';
import type { NewEvent, Position, RecordedEvent, StreamName } from '../../domain/events/event';

/**
 * What an append expects of its stream, with EventStoreDB's meaning:
 * `any` — no check; `no_stream` — the stream must not exist; `stream_exists` —
 * it must exist; a revision — its last event must be at exactly that revision.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface AppendOptions {
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** The revision of the last event now in the stream: pass it as the next expectedRevision. */
  readonly nextExpectedRevision: bigint;
  /** The global position of the last event appended. */
  readonly position: Position;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Start here (inclusive); default: the first event forwards, the last backwards. */
  readonly fromRevision?: bigint;
  readonly direction?: Direction;
  readonly maxCount?: number;
}

/** Selects events by stream-name prefix or by event-type prefix (one or several). */
export type EventFilter =
  | { readonly streamPrefixes: readonly string[] }
  | { readonly eventTypePrefixes: readonly string[] };

export interface ReadAllOptions {
  /**
   * Forwards: start strictly after this position (START_POSITION reads from
   * the beginning). Backwards: start strictly before it (omit for the end).
   */
  readonly fromPosition?: Position;
  readonly direction?: Direction;
  readonly maxCount?: number;
  readonly filter?: EventFilter;
}

export interface SubscribeOptions {
  /** Deliver events strictly after this position; default: from the beginning. */
  readonly fromPosition?: Position;
  readonly filter?: EventFilter;
}

/** An open subscription: iterate it; `close()` ends the iteration. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

/**
 * The ledger's event store. Append-only by construction: there is no delete,
 * truncate, tombstone or rewrite. Both implementations (embedded SQLite,
 * EventStoreDB) pass the same contract suite in `test/contract/`.
 */
export interface EventStore {
  /**
   * True when appends made without awaiting each other are committed in the
   * order they were called, so their global positions follow the calls (the
   * embedded store's group commit). EventStoreDB makes no such promise for
   * appends to different streams. Import relies on it to pipeline appends.
   */
  readonly appendsCommitInCallOrder: boolean;
  /**
   * Appends events atomically. Re-appending events whose ids are already in
   * the stream at the same place succeeds without duplicating them.
   * @throws ConcurrencyError when the expected revision does not hold.
   */
  append(stream: StreamName, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Events of one stream; an unknown stream reads as empty. */
  readStream(stream: StreamName, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of every stream in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up then live: every matching event once, in global order, no gap between the two. */
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** Re-checks one stream's hash chain. */
  verifyChain(stream: StreamName): Promise<ChainVerdict>;
  /** The position of the last event in the store, or START_POSITION if empty. */
  headPosition(): Promise<Position>;
  /** Cheap liveness probe for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');
