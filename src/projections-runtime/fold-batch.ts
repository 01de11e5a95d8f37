import type { RecordedEvent } from '../../domain/events/event';
import { upcast as upcastEvent, type Upcast } from '../../migrations/events';
import { projectionHandles, type Projection } from '../../projections/projection';
import type { ReadModelStore } from '../ports/read-model-store';

/**
 * Folds a batch of events into a projection's documents and stores the
 * changed documents with the new checkpoint in one transaction. Documents
 * touched twice in a batch are read once and written once. Every event is read
 * through the upcasters (migrations/events/) first, so projections only ever
 * see the current shape of each event type; the stored events are untouched.
 */
export function foldBatch(projection: Projection, readModels: ReadModelStore, events: readonly RecordedEvent[], upcast: Upcast = upcastEvent): void {
  const last = events.at(-1);
  if (!last) return;
  const blind = !readsDocuments(projection);
  const changes = new Map<string, unknown>();
  for (const stored of events) {
    const event = upcast(stored);
    if (!projectionHandles(projection, event.type)) continue;
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
 * `foldBatch`: upcast first, then `keysOf`/`evolve`; a null document is removed.
 */
export function foldInMemory<Doc>(
  projection: Projection<Doc>,
  events: readonly RecordedEvent[],
  documents: Map<string, Doc> = new Map(),
  upcast: Upcast = upcastEvent,
): Map<string, Doc> {
  for (const stored of events) {
    const event = upcast(stored);
    if (!projectionHandles(projection, event.type)) continue;
    for (const key of projection.keysOf(event)) {
      const next = projection.evolve(documents.get(key) ?? null, event, key);
      if (next === null) documents.delete(key);
      else documents.set(key, next);
    }
  }
  return documents;
}
