import { GENESIS_HASH, type RecordedEvent } from './event';
import { eventContentHash } from './event-hash';

export type ChainBreak =
  | { readonly kind: 'revision-gap'; readonly revision: bigint; readonly expected: bigint; readonly eventId: string }
  | { readonly kind: 'prev-hash-mismatch'; readonly revision: bigint; readonly eventId: string }
  | { readonly kind: 'content-hash-mismatch'; readonly revision: bigint; readonly eventId: string };

export interface ChainVerdict {
  readonly stream: string;
  readonly events: number;
  readonly ok: boolean;
  /** The first break found, if any: everything after it is suspect too. */
  readonly firstBreak: ChainBreak | null;
  /** Hash of the last event, the stream's head. */
  readonly head: string;
}

/** Checks one stream's events, in revision order, against their hash chain. */
export function verifyChainOf(stream: string, events: Iterable<RecordedEvent>): ChainVerdict {
  let expectedRevision = 0n;
  let prev = GENESIS_HASH;
  let count = 0;
  for (const e of events) {
    count++;
    const fail = (b: ChainBreak): ChainVerdict => ({ stream, events: count, ok: false, firstBreak: b, head: prev });
    if (e.revision !== expectedRevision) {
      return fail({ kind: 'revision-gap', revision: e.revision, expected: expectedRevision, eventId: e.id });
    }
    if (e.metadata.prevHash !== prev) return fail({ kind: 'prev-hash-mismatch', revision: e.revision, eventId: e.id });
    if (eventContentHash(e) !== e.metadata.hash) {
      return fail({ kind: 'content-hash-mismatch', revision: e.revision, eventId: e.id });
    }
    prev = e.metadata.hash;
    expectedRevision++;
  }
  return { stream, events: count, ok: true, firstBreak: null, head: prev };
}
