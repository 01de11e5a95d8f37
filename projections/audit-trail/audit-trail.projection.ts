import type { RecordedEvent } from '../../domain/events/event';
import type { Projection } from '../projection';
import type { AuditIndexEntry, AuditRecord } from './audit-record';
import { auditWhat } from './audit-what';

export const AUDIT_TRAIL = 'audit-trail';

/** Keys sort in global order: the position, zero-padded to the width of a u64. */
export function auditKey(position: bigint): string {
  return position.toString().padStart(20, '0');
}

/** A key of an audit record (as opposed to an index document). */
export function isAuditRecordKey(key: string): boolean {
  return /^\d{20}$/.test(key);
}

/**
 * Secondary lookups the generic read-model store cannot do by itself: one
 * small index document per (value, event), keyed `<index>:<value>:<position>`
 * so that a prefix read lists a subject's or a key's records in global order.
 * Values are URI-encoded so that a `:` inside a key id cannot run into the
 * position. (Envelope digests are not indexed: every event that names an
 * envelope also names its subjects, and each index document costs rebuild
 * time.)
 */
export const AUDIT_INDEXES = ['subject', 'key'] as const;
export type AuditIndex = (typeof AUDIT_INDEXES)[number];

export function auditIndexPrefix(index: AuditIndex, value: string): string {
  return `${index}:${encodeURIComponent(value)}:`;
}

/** The position (as a record key) an index key points at. */
export function auditRecordKeyOf(indexKey: string): string {
  return indexKey.slice(indexKey.lastIndexOf(':') + 1);
}

/** The audit record of one event, pure: metadata plus the "what" of known event types. */
export function auditRecordOf(event: RecordedEvent): AuditRecord {
  return {
    position: event.position.commit.toString(),
    eventId: event.id,
    stream: event.stream,
    revision: event.revision.toString(),
    hash: event.metadata.hash,
    tenant: event.metadata.tenant,
    actor: event.metadata.actor,
    occurredAt: event.metadata.occurredAt,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    ...auditWhat(event),
  };
}

function indexKeysOf(event: RecordedEvent): string[] {
  const what = auditWhat(event);
  const at = auditKey(event.position.commit);
  return [
    ...what.subjects.map((s) => `${auditIndexPrefix('subject', s)}${at}`),
    ...what.keyIds.map((k) => `${auditIndexPrefix('key', k)}${at}`),
  ];
}

/**
 * Every event becomes one audit record keyed by its position, in global
 * order, plus index documents by subject digest and key id.
 * v2: the record carries the "what" (subjects, keys, envelope, logs, outcome).
 *
 * `readsDocuments: false` tells the runtime that `evolve` never looks at the
 * current document (every document is written once from its event alone), so
 * folding can skip reading it back: a third of the rebuild time.
 */
export const auditTrailProjection: Projection<AuditRecord | AuditIndexEntry> = {
  name: AUDIT_TRAIL,
  version: 2,
  readsDocuments: false,
  handles: 'all',
  keysOf: (event: RecordedEvent) => [auditKey(event.position.commit), ...indexKeysOf(event)],
  evolve: (_doc, event, key) => (isAuditRecordKey(key) ? auditRecordOf(event) : { position: event.position.commit.toString() }),
};
