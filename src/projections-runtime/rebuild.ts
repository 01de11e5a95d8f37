import { START_POSITION, type Position } from '../../domain/events/event';
import type { Projection } from '../../projections/projection';
import type { EventStore } from '../ports/event-store';
import type { ReadModelStore } from '../ports/read-model-store';
import { foldBatch } from './fold-batch';

export interface RebuildProgress {
  readonly events: number;
  readonly position: Position;
  readonly head: Position;
}

export interface RebuildResult {
  readonly projection: string;
  readonly events: number;
  readonly digest: string;
  readonly seconds: number;
}

const PAGE = 5000;

/**
 * Drops a read model and folds every event from position 0 up to the store's
 * head as it was when the rebuild started (or `until`), then returns the read
 * model's digest. Needs nothing but the event store: it runs offline.
 */
export async function rebuildProjection(
  store: EventStore,
  readModels: ReadModelStore,
  projection: Projection,
  options: { until?: Position; onProgress?: (p: RebuildProgress) => void } = {},
): Promise<RebuildResult> {
  const started = process.hrtime.bigint();
  const head = options.until ?? (await store.headPosition());
  readModels.reset(projection.name, projection.version);
  let from = START_POSITION;
  let count = 0;
  for (;;) {
    const page = (await store.readAll({ fromPosition: from, maxCount: PAGE })).filter((e) => e.position.commit <= head.commit);
    if (page.length === 0) break;
    foldBatch(projection, readModels, page);
    count += page.length;
    from = page.at(-1)!.position;
    options.onProgress?.({ events: count, position: from, head });
    if (page.length < PAGE) break;
  }
  return {
    projection: projection.name,
    events: count,
    digest: readModels.digest(projection.name),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}
