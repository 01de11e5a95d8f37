import type { Brand } from '../shared/brand';

/** UUID of one event; the key of idempotent appends. */
export type EventId = Brand<string, 'EventId'>;
/** Name of an event stream, built by `streamName` so category reads work (`key-<id>`). */
export type StreamName = Brand<string, 'StreamName'>;

/** SHA-256 of nothing in particular: the previous-hash of the first event of every stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** Who, for whom, why and when: carried by every event, chosen by the caller. */
export interface EventContext {
  readonly tenant: string;
  readonly actor: string;
  readonly correlationId: string;
  /** The id of the event or request that caused this one; null for an outside command. */
  readonly causationId: string | null;
  /** RFC 3339 UTC, from the injected clock. */
  readonly occurredAt: string;
}

/** What the store adds: the per-stream hash chain. */
export interface ChainLinks {
  /** SHA-256 (hex) of the previous event of the same stream, or GENESIS_HASH. */
  readonly prevHash: string;
  /** SHA-256 (hex) of this event's canonical content (see `eventContentHash`). */
  readonly hash: string;
}

export type EventMetadata = EventContext & ChainLinks;

/** An event as a command produces it, before the store gives it a place. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  readonly id: EventId;
  /** Past tense: `KeyRotated`, `EntryLogged`. */
  readonly type: Type;
  readonly schemaVersion: number;
  readonly data: Data;
  readonly metadata: EventContext;
}

/**
 * A position in the global order. EventStoreDB positions have two parts; the
 * embedded store uses its global sequence number for both.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const START_POSITION: Position = { commit: 0n, prepare: 0n };

/** An event as the store holds it. */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  readonly id: EventId;
  readonly stream: StreamName;
  /** Zero-based place in its stream. */
  readonly revision: bigint;
  readonly position: Position;
  readonly type: Type;
  readonly schemaVersion: number;
  readonly data: Data;
  readonly metadata: EventMetadata;
}

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}
