import { SUBMISSION_EVENT_SCHEMA_VERSION, SUBMISSION_EVENT_TYPES } from '../../domain/attestations/submission.events';
import { VERIFICATION_EVENT_SCHEMA_VERSION } from '../../domain/attestations/verification.events';
import type { RecordedEvent } from '../../domain/events/event';
import { KEY_EVENT_SCHEMA_VERSION, KEY_EVENT_TYPES } from '../../domain/keys/key.events';
import { KEY_MATERIAL_CLAIMED, KEY_MATERIAL_EVENT_SCHEMA_VERSION } from '../../domain/keys/key-material';
import { LEDGER_CHECKPOINT_SIGNED, LEDGER_EVENT_SCHEMA_VERSION } from '../../domain/ledger/ledger.events';
import { ENVELOPE_EVENT_SCHEMA_VERSION, ENVELOPE_SIGNED } from '../../domain/signing/envelope.events';
import { envelopeSignedV1ToV2 } from './envelope-signed.v1-to-v2';
import { latestVersion, upcasterChain, type EventUpcaster, type Upcast } from './upcaster';

export type { EventUpcaster, Upcast } from './upcaster';

/**
 * Every shape change of every event type, oldest first. Add a step here when
 * an event's `data` changes shape (and bump the writer's schema version);
 * never edit a step that has shipped. Stored events are never rewritten: old
 * events are lifted to the current shape each time they are read.
 */
export const eventUpcasters: readonly EventUpcaster[] = [envelopeSignedV1ToV2];

/**
 * The schema version this build writes, for every event type it knows: the
 * writers' constants. A stored event of one of these types reads only once
 * upcast to exactly this version (`readStoredEvent`).
 */
export const writtenVersions: ReadonlyMap<string, number> = new Map<string, number>([
  ...KEY_EVENT_TYPES.map((type) => [type, KEY_EVENT_SCHEMA_VERSION] as const),
  ...SUBMISSION_EVENT_TYPES.map((type) => [type, SUBMISSION_EVENT_SCHEMA_VERSION] as const),
  [KEY_MATERIAL_CLAIMED, KEY_MATERIAL_EVENT_SCHEMA_VERSION],
  ['VerificationPerformed', VERIFICATION_EVENT_SCHEMA_VERSION],
  [ENVELOPE_SIGNED, ENVELOPE_EVENT_SCHEMA_VERSION],
  [LEDGER_CHECKPOINT_SIGNED, LEDGER_EVENT_SCHEMA_VERSION],
]);

/** Lifts a stored event as far as the upcasters go (the same object when none applies). Readers use `readCurrent` (src/events/), which also checks the version. */
export const upcast: Upcast = upcasterChain(eventUpcasters);

/** The schema version an event type reads as: the writer's version (for an unknown type, as far as upcasters go). */
export function currentSchemaVersion(type: string): number {
  return writtenVersions.get(type) ?? latestVersion(eventUpcasters, type);
}

/**
 * The stored versions of `type` this build reads, oldest first: the current
 * one and every older one an upcaster chain lifts to it.
 */
export function readableVersions(type: string): number[] {
  const current = currentSchemaVersion(type);
  const lifted = new Set(eventUpcasters.filter((s) => s.type === type).map((s) => s.fromVersion));
  const readable = [current];
  // v reads when the steps v→v+1, …, current-1→current all exist.
  for (let v = current - 1; v >= 1 && lifted.has(v); v--) readable.unshift(v);
  return readable;
}

/**
 * How a stored event reads in this build: `ok` with the event in its current
 * shape (upcast; the same object when it already was), or why it cannot be
 * read — `newer`: written at a version this build does not know yet (by a
 * newer Attestor); `no_upcaster`: an older version no upcaster chain lifts to
 * the current one. Events of types this build does not know pass through as
 * they are (no reader folds them).
 */
export type StoredEventReading =
  | { readonly ok: true; readonly event: RecordedEvent }
  | { readonly ok: false; readonly reason: 'newer' | 'no_upcaster'; readonly readableVersions: readonly number[] };

export function readStoredEvent(stored: RecordedEvent): StoredEventReading {
  const current = writtenVersions.get(stored.type);
  const event = upcast(stored);
  if (current === undefined || event.schemaVersion === current) return { ok: true, event };
  return { ok: false, reason: stored.schemaVersion > current ? 'newer' : 'no_upcaster', readableVersions: readableVersions(stored.type) };
}
