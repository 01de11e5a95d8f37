import { START_POSITION, type Position } from '../../domain/events/event';
import { rfc3339Ms } from '../../domain/shared/rfc3339';
import { ValidationError } from '../errors/app-error';
import type { EventStore } from '../ports/event-store';

/** A point in the ledger's history: a global position, or a wall-clock time. */
export type AsOf = { readonly kind: 'position'; readonly position: bigint } | { readonly kind: 'time'; readonly time: string; readonly epochMs: number };

/** Where a point in history falls in the store: the last event it includes (START_POSITION: none). */
export interface ResolvedAsOf {
  readonly asOf: AsOf;
  readonly position: Position;
  readonly head: Position;
}

/** `<RFC 3339 date-time with a zone>` or `<global position>` (a non-negative integer). */
export function parseAsOf(value: string, name = 'at'): AsOf {
  const v = value.trim();
  if (/^\d{1,20}$/.test(v)) return { kind: 'position', position: BigInt(v) };
  const epochMs = rfc3339Ms(v);
  if (Number.isNaN(epochMs)) {
    throw new ValidationError(
      `${name} must be an RFC 3339 date-time with a time zone (e.g. 2026-03-03T14:00:00Z) or a global position (a non-negative integer); got ${JSON.stringify(value)}`,
      { problems: [`${name}: not a date-time or a position`] },
      'invalid_as_of',
    );
  }
  return { kind: 'time', time: v, epochMs };
}

const PAGE = 1000;

/**
 * The prefix of the global order that a point in history stands for.
 *
 * A position P includes every event up to and including P (P beyond the head
 * is refused). A time T includes every event up to and including the **last
 * event, in global order, whose `occurredAt` ≤ T** (millisecond precision).
 * `occurredAt` comes from each writer's clock and is monotonic only per
 * writer, so a few events just before that one may carry a later time; they
 * are included, because replay folds a prefix of the ledger (never a subset),
 * which is the only state the service could actually have shown. The search
 * reads backwards from the head, so it costs the events after T.
 */
export async function resolveAsOf(store: EventStore, asOf: AsOf): Promise<ResolvedAsOf> {
  const head = await store.headPosition();
  if (asOf.kind === 'position') {
    if (asOf.position > head.commit) {
      throw new ValidationError(`position ${asOf.position} is beyond the head of the ledger (${head.commit})`, { head: head.commit.toString() }, 'invalid_as_of');
    }
    if (asOf.position === 0n) return { asOf, position: START_POSITION, head };
    return { asOf, position: { commit: asOf.position, prepare: asOf.position }, head };
  }
  let before: Position | undefined;
  for (;;) {
    const page = await store.readAll({ direction: 'backwards', maxCount: PAGE, ...(before === undefined ? {} : { fromPosition: before }) });
    for (const event of page) {
      if (Date.parse(event.metadata.occurredAt) <= asOf.epochMs) return { asOf, position: event.position, head };
    }
    if (page.length < PAGE) return { asOf, position: START_POSITION, head };
    before = page.at(-1)!.position;
  }
}

export function describeAsOf(r: ResolvedAsOf): string {
  const where = r.position.commit === 0n ? 'before the first event' : `position ${r.position.commit}`;
  return r.asOf.kind === 'time' ? `as of ${r.asOf.time}: ${where} (head ${r.head.commit})` : `as of ${where} (head ${r.head.commit})`;
}
