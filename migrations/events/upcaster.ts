import type { RecordedEvent } from '../../domain/events/event';

/**
 * One step in the life of an event type's shape: turns the `data` of a stored
 * `type` event at `fromVersion` into its shape at `fromVersion + 1`.
 *
 * Upcasters are pure and total: they run every time an old event is read
 * (`readCurrent` in src/events/) and never write back.
 * Stored events — their bytes and their hashes — are never rewritten; an
 * upcast event keeps the stored `metadata` (hash chain included) untouched.
 */
export interface EventUpcaster {
  readonly type: string;
  readonly fromVersion: number;
  /** One line for `docs/` and for error messages: what changed in this step. */
  readonly change: string;
  up(data: unknown, event: RecordedEvent): unknown;
}

/** Reads a stored event as its current shape. Returns the same object when nothing applies. */
export type Upcast = (event: RecordedEvent) => RecordedEvent;

/**
 * Builds the upcast function of a set of steps. Each `(type, fromVersion)`
 * may appear once; an event is lifted one version at a time until no step
 * applies, so a v1 event reads as v3 through v1→v2 then v2→v3.
 */
export function upcasterChain(steps: readonly EventUpcaster[]): Upcast {
  const byType = new Map<string, Map<number, EventUpcaster>>();
  for (const step of steps) {
    if (!Number.isInteger(step.fromVersion) || step.fromVersion < 1) {
      throw new Error(`upcaster ${step.type} v${step.fromVersion}: fromVersion must be a positive integer`);
    }
    const versions = byType.get(step.type) ?? new Map<number, EventUpcaster>();
    if (versions.has(step.fromVersion)) throw new Error(`two upcasters lift ${step.type} from v${step.fromVersion}`);
    versions.set(step.fromVersion, step);
    byType.set(step.type, versions);
  }
  return (event) => {
    const versions = byType.get(event.type);
    if (versions === undefined) return event;
    let current = event;
    for (let step = versions.get(current.schemaVersion); step !== undefined; step = versions.get(current.schemaVersion)) {
      current = { ...current, schemaVersion: step.fromVersion + 1, data: step.up(current.data, current) };
    }
    return current;
  };
}

/** The version an event type reads as after upcasting (1 for a type that never changed shape). */
export function latestVersion(steps: readonly EventUpcaster[], type: string): number {
  return steps.filter((s) => s.type === type).reduce((v, s) => Math.max(v, s.fromVersion + 1), 1);
}
