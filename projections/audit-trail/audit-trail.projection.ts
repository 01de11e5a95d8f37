import type { RecordedEvent } from '../../domain/events/event';
import type { Projection } from '../projection';
import type { AuditRecord } from './audit-record';

/** Keys sort in global order: the position, zero-padded to the width of a u64. */
export function auditKey(position: bigint): string {
  return position.toString().padStart(20, '0');
}

/** Every event becomes one audit record, in global order. */
export const auditTrailProjection: Projection<AuditRecord> = {
  name: 'audit-trail',
  version: 1,
  handles: 'all',
  keysOf: (event: RecordedEvent) => [auditKey(event.position.commit)],
  evolve: (_doc, event) => ({
    position: event.position.commit.toString(),
    eventId: event.id,
    stream: event.stream,
    revision: event.revision.toString(),
    type: event.type,
    schemaVersion: event.schemaVersion,
    tenant: event.metadata.tenant,
    actor: event.metadata.actor,
    occurredAt: event.metadata.occurredAt,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    hash: event.metadata.hash,
  }),
};
