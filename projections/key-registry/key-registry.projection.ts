import type { RecordedEvent } from '../../domain/events/event';
import { evolve } from '../../domain/keys/key.evolve';
import { isKeyEvent, KEY_EVENT_TYPES, type KeyEvent } from '../../domain/keys/key.events';
import type { KeyRecord, KeyState } from '../../domain/keys/key.state';
import { INITIAL_KEY_STATE } from '../../domain/keys/key.state';
import type { Projection } from '../projection';

export type KeyRegistryStatus = 'active' | 'no_active_version' | 'revoked';

/** One key as GET /keys/{id} shows it: its versions with their states, from the key events alone. */
export interface KeyRegistryDocument extends KeyRecord {
  /** `active`: a version signs; `no_active_version`: the active version was revoked, rotate to sign again; `revoked`: finished. */
  readonly status: KeyRegistryStatus;
  /** occurredAt of the last event folded. */
  readonly updatedAt: string;
  /** Revision of the last key event folded (its stream revision). */
  readonly revision: string;
}

export const KEY_REGISTRY = 'key-registry';

/**
 * The key registry read model: one document per key, keyed by key id. Pure,
 * and folded with the aggregate's own `evolve`, so the registry and the
 * decider can never disagree about a key's versions. Events arrive in their
 * current shape (the runtime reads them with `readCurrent`, which refuses a
 * version this build does not know), so there is no version to check here.
 */
export const keyRegistryProjection: Projection<KeyRegistryDocument> = {
  name: KEY_REGISTRY,
  version: 1,
  handles: KEY_EVENT_TYPES,
  keysOf: (event: RecordedEvent) => {
    const keyId = (event.data as { keyId?: unknown } | null)?.keyId;
    return isKeyEvent(event) && typeof keyId === 'string' ? [keyId] : [];
  },
  evolve: (doc, event) => {
    if (!isKeyEvent(event)) return doc;
    const before: KeyState = doc === null ? INITIAL_KEY_STATE : stripDocument(doc);
    const after = evolve(before, { type: event.type, data: event.data } as KeyEvent);
    if (!after.exists) return doc;
    return {
      ...after,
      status: after.revoked ? 'revoked' : after.activeVersion === null ? 'no_active_version' : 'active',
      updatedAt: event.metadata.occurredAt,
      revision: event.revision.toString(),
    };
  },
};

function stripDocument(doc: KeyRegistryDocument): KeyRecord {
  const { status: _status, updatedAt: _updatedAt, revision: _revision, ...record } = doc;
  return record;
}
