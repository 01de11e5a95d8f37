import type { AuditIndexEntry, AuditRecord } from '../../projections/audit-trail/audit-record';
import { AUDIT_TRAIL, auditIndexPrefix, auditRecordKeyOf, isAuditRecordKey } from '../../projections/audit-trail/audit-trail.projection';
import { ValidationError } from '../errors/app-error';
import type { ReadModelStore } from '../ports/read-model-store';
import type { AuditFilter, AuditQuery } from './audit-filters';

export interface AuditPage {
  /** Matching records in global order (position). */
  readonly items: AuditRecord[];
  /** Opaque: pass it back as `cursor` for the next page; null when the query is exhausted. */
  readonly cursor: string | null;
}

export interface AuditQueryOptions {
  /** Most documents examined for one page; a page may then hold fewer than `limit` items but still a cursor. */
  readonly scanBudget?: number;
  /** Only records at or before this position (as-of answers). */
  readonly maxPosition?: bigint;
}

const DEFAULT_SCAN_BUDGET = 10_000;

/**
 * Which documents a query walks: the index of its most selective filter
 * (subject, then key), or the records themselves. The other filters (tenant,
 * actor, type, envelope, time range) are checked on each record walked. Both
 * walks are in global order.
 */
function walkOf(filter: AuditFilter): { prefix: string | null; contains: (key: string) => boolean } {
  const prefix =
    filter.subject !== undefined
      ? auditIndexPrefix('subject', filter.subject)
      : filter.key !== undefined
        ? auditIndexPrefix('key', filter.key)
        : null;
  return prefix === null ? { prefix, contains: isAuditRecordKey } : { prefix, contains: (key) => key.startsWith(prefix) };
}

export function matchesAudit(record: AuditRecord, f: AuditFilter): boolean {
  if (f.tenant !== undefined && record.tenant !== f.tenant) return false;
  if (f.actor !== undefined && record.actor !== f.actor) return false;
  if (f.type !== undefined && record.type !== f.type) return false;
  if (f.subject !== undefined && !record.subjects.includes(f.subject)) return false;
  if (f.key !== undefined && !record.keyIds.includes(f.key)) return false;
  if (f.envelope !== undefined && record.envelopeDigest !== f.envelope) return false;
  if (f.from !== undefined || f.to !== undefined) {
    const at = Date.parse(record.occurredAt);
    if (f.from !== undefined && !(at >= f.from)) return false;
    if (f.to !== undefined && !(at <= f.to)) return false;
  }
  return true;
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, contains: (key: string) => boolean): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!contains(key)) {
    throw new ValidationError(
      'invalid audit query: cursor does not belong to these filters; repeat the query with the same filters, or without a cursor',
      { problems: ['cursor does not belong to these filters'] },
      'invalid_audit_query',
    );
  }
  return key;
}

/**
 * One page of the audit trail from the audit-trail read model. Reads walk the
 * chosen index (or the records) in key order with `after` and stop at the
 * first key outside it, so a page costs what it examines: at most `limit`
 * matches or `scanBudget` documents, whichever comes first.
 */
export function queryAudit(readModels: ReadModelStore, query: AuditQuery, options: AuditQueryOptions = {}): AuditPage {
  const walk = walkOf(query);
  const budget = Math.max(options.scanBudget ?? DEFAULT_SCAN_BUDGET, query.limit);
  let after: string | undefined = query.cursor !== undefined ? decodeCursor(query.cursor, walk.contains) : (walk.prefix ?? undefined);
  const items: AuditRecord[] = [];
  let examined = 0;
  let lastKey: string | null = null;
  for (;;) {
    const want = Math.min(1000, budget - examined);
    const page = readModels.listDocuments<AuditRecord | AuditIndexEntry>(AUDIT_TRAIL, { limit: want, ...(after === undefined ? {} : { after }) });
    for (const { key, doc } of page) {
      if (!walk.contains(key)) return { items, cursor: null };
      const record = walk.prefix === null ? (doc as AuditRecord) : readModels.getDocument<AuditRecord>(AUDIT_TRAIL, auditRecordKeyOf(key));
      if (record !== null && options.maxPosition !== undefined && BigInt(record.position) > options.maxPosition) return { items, cursor: null };
      examined += 1;
      lastKey = key;
      if (record !== null && matchesAudit(record, query)) {
        items.push(record);
        if (items.length === query.limit) return { items, cursor: encodeCursor(key) };
      }
    }
    if (page.length < want) return { items, cursor: null };
    if (examined >= budget) return { items, cursor: lastKey === null ? null : encodeCursor(lastKey) };
    after = lastKey ?? after;
  }
}
