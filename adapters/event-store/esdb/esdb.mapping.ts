import {
  CancelledError,
  DeadlineExceededError,
  END,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  START,
  TimeoutError,
  UnavailableError as EsdbUnavailableError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AppendExpectedRevision,
  type EventData,
  type Filter,
  type JSONType,
  type ReadPosition,
  type WrongExpectedVersionError,
} from '@eventstore/db-client';
import {
  START_POSITION,
  comparePositions,
  type EventId,
  type EventMetadata,
  type NewEvent,
  type Position,
  type RecordedEvent,
  type StreamName,
} from '../../../domain/events/event';
import { linkEvents } from '../../../domain/events/event-hash';
import { AppError, UnavailableError, ValidationError } from '../../../src/errors/app-error';
import { ConcurrencyError } from '../../../src/errors/concurrency-error';
import type { Direction, EventFilter, ExpectedRevision } from '../../../src/ports/event-store';

/*
 * Pure translations between the port and @eventstore/db-client, kept apart
 * from the adapter so they can be tested without a server.
 */

/** What the adapter writes as each event's JSON metadata. */
export interface EsdbEventMetadata extends EventMetadata {
  readonly schemaVersion: number;
}

/** The last event of a stream, as far as the hash chain needs it. */
export interface StreamHead {
  readonly revision: bigint;
  readonly hash: string;
}

/** The fields of a client-side recorded event the adapter reads (structurally the client's `RecordedEvent`). */
export interface EsdbRecord {
  readonly streamId: string;
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly isJson: boolean;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position?: Position;
}

import type { CurrentRevision } from '../expected-revision';

export { expectationHolds, type CurrentRevision } from '../expected-revision';

/**
 * The exact expectation the adapter sends to EventStoreDB. It never sends
 * `any` or `stream_exists`: the hash chain was computed from the head it read,
 * so the write must land right after that head or not at all.
 */
export function exactRevisionFor(current: CurrentRevision): AppendExpectedRevision {
  return current === 'no_stream' ? NO_STREAM : current;
}

/**
 * Where a retry of the same events would have put them, if the caller's
 * expectation says so: right after an exact revision, or at 0 for a new
 * stream. Null when the expectation names no place (`any`, `stream_exists`:
 * the adapter then looks for them near the stream's end) or when nothing is
 * stored there yet.
 */
export function replayStartFor(expected: ExpectedRevision, current: CurrentRevision): bigint | null {
  if (current === 'no_stream') return null;
  if (typeof expected === 'bigint') return current > expected ? expected + 1n : null;
  if (expected === 'no_stream') return 0n;
  return null;
}

/**
 * Decides whether an append is a retry of events already stored, given the
 * events stored from the place the first of them would be (`stored`, in
 * revision order). Mirrors the embedded store: the retry succeeds when every
 * event sits there consecutively; a partial match is a conflict.
 * @returns the last stored event of the retry, or null if the first id is not there.
 */
export function matchReplay(
  stream: StreamName,
  events: readonly NewEvent[],
  stored: readonly RecordedEvent[],
  expected: ExpectedRevision,
  current: CurrentRevision,
): RecordedEvent | null {
  const first = events[0];
  if (!first || stored[0]?.id.toLowerCase() !== first.id.toLowerCase()) return null;
  const start = stored[0].revision;
  const consistent = events.every((e, i) => {
    const s = stored[i];
    return s !== undefined && s.id.toLowerCase() === e.id.toLowerCase() && s.revision === start + BigInt(i);
  });
  if (!consistent) throw new ConcurrencyError(stream, expected, current);
  return stored[events.length - 1]!;
}

/**
 * Links each event to the one before it exactly as the embedded store does
 * (`prevHash`, `hash` over `eventContentHash`) and shapes it for the client:
 * JSON data, JSON metadata carrying the context, the links and schemaVersion.
 */
export function toEventData(stream: StreamName, events: readonly NewEvent[], head: StreamHead | null): EventData[] {
  return linkEvents(stream, events, head).map(({ event: e, metadata }) => {
    const esdbMetadata: EsdbEventMetadata = { ...metadata, schemaVersion: e.schemaVersion };
    // validateNewEvents has checked that data is plain JSON; the client serializes it with JSON.stringify.
    return jsonEvent({ id: e.id, type: e.type, data: e.data as JSONType, metadata: { ...esdbMetadata } });
  });
}

/** Maps an event read from EventStoreDB to the port's shape. */
export function toRecordedEvent(rec: EsdbRecord): RecordedEvent {
  const where = `event ${rec.id} of ${rec.streamId} at revision ${rec.revision}`;
  if (!rec.position) {
    throw new Error(`${where} came without its position: Attestor needs EventStoreDB 22.6 or later`);
  }
  const m = rec.metadata;
  if (!rec.isJson || !isEsdbEventMetadata(m)) {
    throw new Error(`${where} was not written by Attestor: it lacks JSON data or the hash-chain metadata`);
  }
  return {
    id: rec.id as EventId,
    stream: rec.streamId as StreamName,
    revision: rec.revision,
    position: { commit: rec.position.commit, prepare: rec.position.prepare },
    type: rec.type,
    schemaVersion: m.schemaVersion,
    data: rec.data,
    metadata: {
      tenant: m.tenant,
      actor: m.actor,
      correlationId: m.correlationId,
      causationId: m.causationId,
      occurredAt: m.occurredAt,
      prevHash: m.prevHash,
      hash: m.hash,
    },
  };
}

function isEsdbEventMetadata(m: unknown): m is EsdbEventMetadata {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as Record<string, unknown>;
  return (
    typeof r['tenant'] === 'string' &&
    typeof r['actor'] === 'string' &&
    typeof r['correlationId'] === 'string' &&
    (r['causationId'] === null || typeof r['causationId'] === 'string') &&
    typeof r['occurredAt'] === 'string' &&
    typeof r['prevHash'] === 'string' &&
    typeof r['hash'] === 'string' &&
    typeof r['schemaVersion'] === 'number'
  );
}

/** EventStoreDB's own streams and events (`$stats-…`, `$>` links, `$metadata`…) are not the ledger's. */
export function isSystemEvent(stream: string, type: string): boolean {
  return stream.startsWith('$') || type.startsWith('$');
}

export function matchesFilter(filter: EventFilter | undefined, stream: string, type: string): boolean {
  if (!filter) return true;
  if ('streamPrefixes' in filter) return filter.streamPrefixes.some((p) => stream.startsWith(p));
  return filter.eventTypePrefixes.some((p) => type.startsWith(p));
}

/** The server-side filter for a subscription; system events are always left out. */
export function toSubscriptionFilter(filter: EventFilter | undefined): Filter {
  if (filter && 'streamPrefixes' in filter && filter.streamPrefixes.length > 0) {
    return streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  }
  if (filter && 'eventTypePrefixes' in filter && filter.eventTypePrefixes.length > 0) {
    return eventTypeFilter({ prefixes: [...filter.eventTypePrefixes] });
  }
  // No filter, or an empty prefix list (matches nothing; `matchesFilter` drops everything client-side).
  return excludeSystemEvents();
}

export function isStartPosition(p: Position): boolean {
  return comparePositions(p, START_POSITION) === 0;
}

/**
 * Where EventStoreDB should start reading $all. The port's position is
 * exclusive and EventStoreDB's inclusive, so the caller still drops the event
 * at exactly that position (see `isPastCursor`).
 */
export function toReadPosition(from: Position | undefined, direction: Direction): ReadPosition {
  if (direction === 'backwards') return from ? { commit: from.commit, prepare: from.prepare } : END;
  return !from || isStartPosition(from) ? START : { commit: from.commit, prepare: from.prepare };
}

/** Whether an event read from `cursor` in `direction` lies strictly beyond it. */
export function isPastCursor(position: Position, cursor: Position | undefined, direction: Direction): boolean {
  if (!cursor) return true;
  const c = comparePositions(position, cursor);
  return direction === 'backwards' ? c < 0 : c > 0;
}

/** The client's `WrongExpectedVersionError` in the port's terms. */
export function toConcurrencyError(stream: StreamName, expected: ExpectedRevision, err: WrongExpectedVersionError): ConcurrencyError {
  return new ConcurrencyError(stream, expected, err.actualVersion);
}

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/**
 * Translates the client's connection failures into the port's
 * UnavailableError (503 with Retry-After) and an append larger than the
 * server accepts into a ValidationError; anything else passes unchanged.
 */
export function toStoreError(operation: string, error: unknown, retryAfterSeconds = 5): unknown {
  if (error instanceof AppError) return error;
  if (error instanceof MaxAppendSizeExceededError) {
    return new ValidationError(
      `the events of one append exceed EventStoreDB's limit of ${error.maxAppendSize} bytes: append fewer or smaller events`,
      { backend: 'eventstoredb', maxAppendSize: error.maxAppendSize },
      'append_too_large',
    );
  }
  const transient =
    error instanceof EsdbUnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError ||
    error instanceof CancelledError ||
    (error instanceof Error &&
      ((error as { code?: unknown }).code === GRPC_UNAVAILABLE ||
        (error as { code?: unknown }).code === GRPC_DEADLINE_EXCEEDED ||
        /^Failed to discover/.test(error.message)));
  if (!transient) return error;
  const message = error instanceof Error && error.message ? error.message : String(error);
  return new UnavailableError(
    `EventStoreDB is unavailable during ${operation}: ${message}`,
    retryAfterSeconds,
    { backend: 'eventstoredb', operation },
    'event_store_unavailable',
    error,
  );
}
