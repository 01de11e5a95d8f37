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
  const [result] = await rebuildProjections(store, readModels, [projection], options);
  if (result === undefined) throw new Error(`rebuild of ${projection.name} produced no result`);
  return result;
}

/**
 * Rebuilds several read models in one pass over the store (each page of
 * events is folded into every projection), up to the head as it was when the
 * rebuild started, or up to and including `until`. Events are upcast on the
 * way (see `foldBatch`). Each projection's checkpoint ends at the last event
 * folded, so a rebuild `until` a past position is the read model as it stood
 * then. `seconds` is the time of the whole pass.
 */
export async function rebuildProjections(
  store: EventStore,
  readModels: ReadModelStore,
  projections: readonly Projection[],
  options: { until?: Position; onProgress?: (p: RebuildProgress) => void } = {},
): Promise<RebuildResult[]> {
  const started = process.hrtime.bigint();
  const head = options.until ?? (await store.headPosition());
  for (const projection of projections) readModels.reset(projection.name, projection.version);
  let from = START_POSITION;
  let count = 0;
  for (;;) {
    const read = await store.readAll({ fromPosition: from, maxCount: PAGE });
    const page = read.filter((e) => e.position.commit <= head.commit);
    if (page.length > 0) {
      for (const projection of projections) foldBatch(projection, readModels, page);
      count += page.length;
      from = page.at(-1)!.position;
      options.onProgress?.({ events: count, position: from, head });
    }
    if (page.length < PAGE) break;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return projections.map((p) => ({ projection: p.name, events: count, digest: readModels.digest(p.name), seconds }));
}
