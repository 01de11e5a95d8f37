import type { EventFilter } from '../../../src/ports/event-store';

/** Greater than every string that starts with the prefix, in SQLite's binary (UTF-8) order. */
const AFTER_PREFIX = '\u{10FFFF}';

/**
 * SQL for a prefix filter. Not LIKE: LIKE is case-insensitive and treats `_`
 * and `%` as wildcards, and stream names may contain `_`. Stream prefixes are
 * ranges, so the (stream, revision) index answers them without a scan.
 */
export function filterClause(filter: EventFilter): { sql: string; params: string[] } {
  if ('streamPrefixes' in filter) {
    if (filter.streamPrefixes.length === 0) return { sql: '0', params: [] };
    const parts = filter.streamPrefixes.map(() => '(stream >= ? AND stream < ?)');
    return { sql: `(${parts.join(' OR ')})`, params: filter.streamPrefixes.flatMap((p) => [p, `${p}${AFTER_PREFIX}`]) };
  }
  const prefixes = filter.eventTypePrefixes;
  if (prefixes.length === 0) return { sql: '0', params: [] };
  const parts = prefixes.map((p) => `substr(type, 1, ${p.length}) = ?`);
  return { sql: `(${parts.join(' OR ')})`, params: [...prefixes] };
}
