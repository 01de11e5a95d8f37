import type { RecordedEvent } from '../domain/events/event';

/**
 * A read model as data: a pure fold from events to documents, keyed by string.
 * The runtime (src/projections-runtime/) feeds it events in global order, stores
 * the documents and the checkpoint in one transaction, and rebuilds it from
 * position 0 whenever `version` changes.
 *
 * `evolve` must be pure and deterministic (no clock, no randomness, no I/O):
 * rebuilding from the same events gives byte-identical documents.
 */
export interface Projection<Doc = unknown> {
  readonly name: string;
  /** Bump when `evolve` or the document shape changes: the read model is rebuilt. */
  readonly version: number;
  /** Event types this projection folds (or 'all'); other events only advance its checkpoint. */
  readonly handles: readonly string[] | 'all';
  /**
   * False when `evolve` never looks at the current document (each event makes
   * new documents): folding then skips reading them back, which makes
   * rebuilds of append-only read models such as the audit trail much faster.
   */
  readonly readsDocuments?: boolean;
  /** The documents an event touches (most events touch one). */
  keysOf(event: RecordedEvent): readonly string[];
  /** The new document for `key`, or null to remove it from the read model. */
  evolve(doc: Doc | null, event: RecordedEvent, key: string): Doc | null;
}

export function projectionHandles(projection: Projection, type: string): boolean {
  return projection.handles === 'all' || projection.handles.includes(type);
}
