import { canonicalJson } from '../shared/canonical-json';
import { sha256Hex } from '../shared/sha256';
import type { EventContext, EventId, StreamName } from './event';

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
