import type { RecordedEvent } from '../../domain/events/event';
import { projectionHandles, type Projection } from '../../projections/projection';
import type { ReadModelStore } from '../ports/read-model-store';

/**
 * Folds a batch of events into a projection's documents and stores the
 * changed documents with the new checkpoint in one transaction. Documents
 * touched twice in a batch are read once and written once.
 */
export function foldBatch(projection: Projection, readModels: ReadModelStore, events: readonly RecordedEvent[]): void {
  const last = events.at(-1);
  if (!last) return;
  const changes = new Map<string, unknown>();
  for (const event of events) {
    if (!projectionHandles(projection, event.type)) continue;
    for (const key of projection.keysOf(event)) {
      const current = changes.has(key) ? changes.get(key) : readModels.getDocument(projection.name, key);
      changes.set(key, projection.evolve((current ?? null), event, key));
    }
  }
  readModels.applyBatch(projection.name, projection.version, changes, last.position);
}
