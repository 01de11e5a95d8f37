import { streamName } from '../../domain/events/stream-name';
import type { RecordedEvent, StreamName } from '../../domain/events/event';
import { foldKey } from '../../domain/keys/key.evolve';
import { isKeyEvent, KEY_EVENT_SCHEMA_VERSION, type KeyEvent } from '../../domain/keys/key.events';
import type { KeyState } from '../../domain/keys/key.state';
import type { EventStore } from '../ports/event-store';

export function keyStream(keyId: string): StreamName {
  return streamName('key', keyId);
}

/** The domain events of a key stream, in order. */
export function toKeyEvents(recorded: readonly RecordedEvent[]): KeyEvent[] {
  const events: KeyEvent[] = [];
  for (const e of recorded) {
    if (!isKeyEvent(e)) continue;
    if (e.schemaVersion !== KEY_EVENT_SCHEMA_VERSION) throw new Error(`${e.type} schema version ${e.schemaVersion} is not supported by this build`);
    events.push({ type: e.type, data: e.data } as KeyEvent);
  }
  return events;
}

export interface LoadedKey {
  readonly state: KeyState;
  readonly events: readonly KeyEvent[];
}

export async function loadKey(store: EventStore, keyId: string): Promise<LoadedKey> {
  const events = toKeyEvents(await store.readStream(keyStream(keyId)));
  return { state: foldKey(events), events };
}
