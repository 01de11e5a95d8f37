import type { RecordedEvent } from '../../domain/events/event';
import { projectionHandles, type Projection } from '../../projections/projection';
import { readCurrent } from '../events/read-current';
import type { ReadModelStore } from '../ports/read-model-store';

/**
 * Folds a batch of events into a projection's documents and stores the
 * changed documents with the new checkpoint in one transaction. Documents
 * touched twice in a batch are read once and written once. Every event the
 * projection handles is read with `readCurrent` first (upcast, then checked to
 * be a version this build reads), so projections only ever see the current
 * shape of each event type; the stored events are untouched. An event this
 * build cannot read throws `UnsupportedEventVersionError` and nothing of the
 * batch is stored: the runner marks the projection failed (readiness reports
 * it) instead of folding a wrong state. Events the projection does not handle
 * are not read, so only projections that would fold one stop.
 */
export function foldBatch(projection: Projection, readModels: ReadModelStore, events: readonly RecordedEvent[]): void {
  const last = events.at(-1);
  if (!last) return;
  const blind = !readsDocuments(projection);
  const changes = new Map<string, unknown>();
  for (const stored of events) {
    // Upcasting never changes an event's type.
    if (!projectionHandles(projection, stored.type)) continue;
    const event = readCurrent(stored);
    for (const key of projection.keysOf(event)) {
      const current = changes.has(key) ? changes.get(key) : blind ? null : readModels.getDocument(projection.name, key);
      changes.set(key, projection.evolve((current ?? null), event, key));
    }
  }
  readModels.applyBatch(projection.name, projection.version, changes, last.position);
}

/**
 * A projection may declare `readsDocuments: false` when its `evolve` never
 * looks at the current document (write-once documents, like the audit
 * trail's); folding then skips reading each document back. Optional
 * capability, checked structurally so that `Projection` need not change.
 */
export function readsDocuments(projection: Projection): boolean {
  return projection.readsDocuments !== false;
}

/**
 * Folds events into documents in memory, for answers about a few documents
 * (one key as of a time) that need no read-model store. Same semantics as
 * `foldBatch`: `readCurrent` first, then `keysOf`/`evolve`; a null document is
 * removed. Throws `UnsupportedEventVersionError` for an event it cannot read.
 */
export function foldInMemory<Doc>(
  projection: Projection<Doc>,
  events: readonly RecordedEvent[],
  documents: Map<string, Doc> = new Map(),
): Map<string, Doc> {
  for (const stored of events) {
    if (!projectionHandles(projection, stored.type)) continue;
    const event = readCurrent(stored);
    for (const key of projection.keysOf(event)) {
      const next = projection.evolve(documents.get(key) ?? null, event, key);
      if (next === null) documents.delete(key);
      else documents.set(key, next);
    }
  }
  return documents;
}
