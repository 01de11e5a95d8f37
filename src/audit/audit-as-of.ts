import { START_POSITION, type Position, type RecordedEvent } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import type { AuditRecord } from '../../projections/audit-trail/audit-record';
import { AUDIT_TRAIL, auditKey, auditRecordOf, auditTrailProjection } from '../../projections/audit-trail/audit-trail.projection';
import { keyRegistryProjection, type KeyRegistryDocument } from '../../projections/key-registry/key-registry.projection';
import { readCurrent } from '../events/read-current';
import type { EventStore } from '../ports/event-store';
import type { ReadModelStore } from '../ports/read-model-store';
import { foldInMemory } from '../projections-runtime/fold-batch';
import type { AuditFilter } from './audit-filters';
import { encodeCursor, matchesAudit, queryAudit, type AuditPage } from './audit-query';
import type { ResolvedAsOf } from './as-of';

export interface AsOfPageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * The audit records of one subject or one key up to a point in history.
 * Audit records never change once written, so "as of P" is the records at
 * positions ≤ P. Read from the audit-trail read model when it has folded at
 * least up to P (an index walk that stops at P); otherwise folded from the
 * store: only the events up to P whose record matches are kept.
 */
export async function auditRecordsAsOf(
  store: EventStore,
  readModels: ReadModelStore,
  at: ResolvedAsOf,
  filter: Pick<AuditFilter, 'subject' | 'key'>,
  page: AsOfPageRequest,
): Promise<AuditPage> {
  if (at.position.commit === 0n) return { items: [], cursor: null };
  const checkpoint = readModels.checkpoint(AUDIT_TRAIL);
  const caughtUp = checkpoint !== null && checkpoint.version === auditTrailProjection.version && checkpoint.position.commit >= at.position.commit;
  const query = { ...filter, limit: page.limit, ...(page.cursor === undefined ? {} : { cursor: page.cursor }) };
  if (caughtUp) return queryAudit(readModels, query, { maxPosition: at.position.commit });
  return foldAuditRecords(store, at.position, query);
}

/** The fallback of `auditRecordsAsOf`: one pass over the store up to `until`, the same page and cursor semantics. */
async function foldAuditRecords(store: EventStore, until: Position, query: AuditFilter & AsOfPageRequest): Promise<AuditPage> {
  // Same walk keys as queryAudit (index key of the subject or key), so cursors are interchangeable.
  const prefix = query.subject !== undefined ? `subject:${encodeURIComponent(query.subject)}:` : `key:${encodeURIComponent(query.key ?? '')}:`;
  const afterKey = query.cursor === undefined ? prefix : Buffer.from(query.cursor, 'base64url').toString('utf8');
  const items: AuditRecord[] = [];
  let from = START_POSITION;
  for (;;) {
    const events: RecordedEvent[] = await store.readAll({ fromPosition: from, maxCount: 5000 });
    for (const stored of events) {
      if (stored.position.commit > until.commit) return { items, cursor: null };
      const key = `${prefix}${auditKey(stored.position.commit)}`;
      if (key <= afterKey) continue;
      const record = auditRecordOf(readCurrent(stored));
      if (!matchesAudit(record, query)) continue;
      items.push(record);
      if (items.length === query.limit) return { items, cursor: encodeCursor(key) };
    }
    if (events.length < 5000) return { items, cursor: null };
    from = events.at(-1)!.position;
  }
}

/**
 * The key registry document of one key as it stood at a point in history:
 * its own stream's events up to that position, read as their current shape
 * and folded with the registry projection (`foldInMemory`). Null if the key
 * did not exist yet; undefined if it never existed at all.
 */
export async function keyRegistryAsOf(store: EventStore, keyId: string, at: ResolvedAsOf): Promise<KeyRegistryDocument | null | undefined> {
  const events = await store.readStream(streamName('key', keyId));
  if (events.length === 0) return undefined;
  const upTo = events.filter((e) => e.position.commit <= at.position.commit);
  return foldInMemory(keyRegistryProjection, upTo).get(keyId) ?? null;
}
