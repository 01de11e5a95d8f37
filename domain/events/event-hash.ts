import { canonicalJson } from '../shared/canonical-json';
import { sha256Hex } from '../shared/sha256';
import { GENESIS_HASH, type EventContext, type EventId, type EventMetadata, type NewEvent, type StreamName } from './event';

/** The fields an event's hash covers: everything but its global position and its own hash. */
export interface HashedContent {
  readonly stream: StreamName;
  readonly revision: bigint;
  readonly id: EventId;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventContext & { readonly prevHash: string };
}

/** The canonical bytes of an event: the leaf of the ledger's Merkle tree and the input of its hash. */
export function canonicalEventContent(content: HashedContent): string {
  const m = content.metadata;
  return canonicalJson({
    stream: content.stream,
    revision: content.revision.toString(),
    id: content.id,
    type: content.type,
    schemaVersion: content.schemaVersion,
    data: content.data,
    metadata: {
      tenant: m.tenant,
      actor: m.actor,
      correlationId: m.correlationId,
      causationId: m.causationId,
      occurredAt: m.occurredAt,
      prevHash: m.prevHash,
    },
  });
}

/**
 * SHA-256 over the canonical content. Because the content includes the
 * previous event's hash, stream name and revision, altering, removing or
 * reordering any event breaks every later link of its stream.
 */
export function eventContentHash(content: HashedContent): string {
  return sha256Hex(canonicalEventContent(content));
}

/** A new event with its place in the stream and its chain links, as both stores write it. */
export interface LinkedEvent {
  readonly event: NewEvent;
  readonly revision: bigint;
  /** The context fields and the links: exactly what the hash covers, plus the hash. */
  readonly metadata: EventMetadata;
}

/**
 * Links new events after a stream's head (`null`: a new stream): each gets the
 * next revision, the previous event's hash and its own. Only the known context
 * fields are kept, so nothing is stored in the metadata that the hash does not cover.
 */
export function linkEvents(stream: StreamName, events: readonly NewEvent[], head: { readonly revision: bigint; readonly hash: string } | null): LinkedEvent[] {
  let revision = head ? head.revision : -1n;
  let prevHash = head ? head.hash : GENESIS_HASH;
  return events.map((event) => {
    revision++;
    const m = event.metadata;
    const context: EventContext = { tenant: m.tenant, actor: m.actor, correlationId: m.correlationId, causationId: m.causationId, occurredAt: m.occurredAt };
    const hash = eventContentHash({ ...event, stream, revision, metadata: { ...context, prevHash } });
    const linked: LinkedEvent = { event, revision, metadata: { ...context, prevHash, hash } };
    prevHash = hash;
    return linked;
  });
}
