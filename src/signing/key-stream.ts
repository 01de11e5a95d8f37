import { streamName } from '../../domain/events/stream-name';
import type { RecordedEvent, StreamName } from '../../domain/events/event';
import { foldKey } from '../../domain/keys/key.evolve';
import { isKeyEvent, type KeyEvent } from '../../domain/keys/key.events';
import type { KeyState } from '../../domain/keys/key.state';
import { readCurrent } from '../events/read-current';
import type { EventStore } from '../ports/event-store';

export function keyStream(keyId: string): StreamName {
  return streamName('key', keyId);
}

/**
 * The domain events of a key stream, in order, each read as its current shape.
 * @throws UnsupportedEventVersionError for a key event this build cannot read.
 */
export function toKeyEvents(recorded: readonly RecordedEvent[]): KeyEvent[] {
  const events: KeyEvent[] = [];
  for (const stored of recorded) {
    if (!isKeyEvent(stored)) continue;
    const e = readCurrent(stored);
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

/** Every registered key, folded from its own stream (one read of all `key-` streams). */
export async function loadAllKeys(store: EventStore): Promise<KeyState[]> {
  const byStream = new Map<string, RecordedEvent[]>();
  for (const e of await store.readAll({ filter: { streamPrefixes: ['key-'] } })) {
    const events = byStream.get(e.stream);
    if (events === undefined) byStream.set(e.stream, [e]);
    else events.push(e);
  }
  return [...byStream.values()].map((events) => foldKey(toKeyEvents(events))).filter((state) => state.exists);
}
