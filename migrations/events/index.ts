import { envelopeSignedV1ToV2 } from './envelope-signed.v1-to-v2';
import { latestVersion, upcasterChain, type EventUpcaster, type Upcast } from './upcaster';

export type { EventUpcaster, Upcast } from './upcaster';

/**
 * Every shape change of every event type, oldest first. Add a step here when
 * an event's `data` changes shape (and bump the writer's schema version);
 * never edit a step that has shipped. Stored events are never rewritten: old
 * events are lifted to the current shape each time they are read for folding.
 */
export const eventUpcasters: readonly EventUpcaster[] = [envelopeSignedV1ToV2];

/** Reads a stored event as its current shape (the same object when it already is). */
export const upcast: Upcast = upcasterChain(eventUpcasters);

/** The schema version an event type reads as after `upcast`. */
export function currentSchemaVersion(type: string): number {
  return latestVersion(eventUpcasters, type);
}
