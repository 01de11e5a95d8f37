import type { Position } from '../../domain/events/event';
import { canonicalJson } from '../../domain/shared/canonical-json';
import type { Projection } from '../../projections/projection';
import type { EventStore } from '../ports/event-store';
import type { ReadModelStore } from '../ports/read-model-store';
import { rebuildProjections, type RebuildProgress } from '../projections-runtime/rebuild';

export interface ReplayedReadModel {
  readonly projection: string;
  readonly version: number;
  readonly digest: string;
  /** Events folded (the prefix of the ledger up to the replay point). */
  readonly events: number;
}

/**
 * Every read model as it stood at `position`: a fold of the events up to and
 * including it (upcast like any fold) into `scratch`, which must not be the
 * live read-model store. The live read models are never read or written.
 */
export async function replayTo(
  store: EventStore,
  scratch: ReadModelStore,
  projections: readonly Projection[],
  position: Position,
  onProgress?: (p: RebuildProgress) => void,
): Promise<ReplayedReadModel[]> {
  if (position.commit === 0n) {
    for (const p of projections) scratch.reset(p.name, p.version);
    return projections.map((p) => ({ projection: p.name, version: p.version, digest: scratch.digest(p.name), events: 0 }));
  }
  const results = await rebuildProjections(store, scratch, projections, { until: position, ...(onProgress ? { onProgress } : {}) });
  return results.map((r, i) => ({ projection: r.projection, version: projections[i]?.version ?? 0, digest: r.digest, events: r.events }));
}

export type DocumentChange =
  | { readonly change: 'added'; readonly key: string; readonly after: unknown }
  | { readonly change: 'changed'; readonly key: string; readonly before: unknown; readonly after: unknown }
  | { readonly change: 'removed'; readonly key: string; readonly before: unknown };

const PAGE = 1000;

function* documents(store: ReadModelStore, projection: string): Generator<{ key: string; doc: unknown }> {
  let after: string | undefined;
  for (;;) {
    const page = store.listDocuments(projection, { limit: PAGE, ...(after === undefined ? {} : { after }) });
    yield* page;
    if (page.length < PAGE) return;
    after = page.at(-1)!.key;
  }
}

/**
 * What changed in one read model between two states of it: documents added,
 * changed (different canonical JSON) and removed, in key order. A merge of the
 * two key-ordered listings, a page at a time.
 */
export function* diffReadModels(before: ReadModelStore, after: ReadModelStore, projection: string): Generator<DocumentChange> {
  const a = documents(before, projection);
  const b = documents(after, projection);
  let x = a.next();
  let y = b.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && x.value.key < y.value.key)) {
      const { key, doc } = x.value as { key: string; doc: unknown };
      yield { change: 'removed', key, before: doc };
      x = a.next();
    } else if (x.done || y.value.key < x.value.key) {
      yield { change: 'added', key: y.value.key, after: y.value.doc };
      y = b.next();
    } else {
      if (canonicalJson(x.value.doc) !== canonicalJson(y.value.doc)) yield { change: 'changed', key: x.value.key, before: x.value.doc, after: y.value.doc };
      x = a.next();
      y = b.next();
    }
  }
}
