import type { EventFilter } from '../../../src/ports/event-store';

/**
 * SQL for a prefix filter. `substr` rather than LIKE: LIKE is case-insensitive
 * and treats `_` and `%` as wildcards, and stream names may contain `_`.
 */
export function filterClause(filter: EventFilter): { sql: string; params: string[] } {
  const [column, prefixes] =
    'streamPrefixes' in filter ? ['stream', filter.streamPrefixes] : ['type', filter.eventTypePrefixes];
  if (prefixes.length === 0) return { sql: '0', params: [] };
  const parts = prefixes.map((p) => `substr(${column}, 1, ${p.length}) = ?`);
  return { sql: `(${parts.join(' OR ')})`, params: [...prefixes] };
}
