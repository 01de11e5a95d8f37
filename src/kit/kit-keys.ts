import type { RecordedEvent } from '../../domain/events/event';
import { foldKey } from '../../domain/keys/key.evolve';
import { isKeyEvent, type KeyEvent } from '../../domain/keys/key.events';
import type { KeyState } from '../../domain/keys/key.state';
import type { KeysFile } from './kit-format';

const KEY_STREAM_PREFIX = 'key-';

/**
 * `keys/keys.json`, the key registry as a kit's key events leave it: the one
 * builder export writes it with and verify checks it with, so the two cannot
 * disagree. Pure: feed every event of the kit in order, each in its current
 * shape (read through `readCurrent`); events of other streams are ignored.
 * Events are only collected as they come; each key is folded once, when asked
 * for, so a malformed key event fails where the registry is read, not where
 * it is collected.
 */
export class KitKeys {
  private readonly events = new Map<string, KeyEvent[]>();
  private readonly states = new Map<string, KeyState>();

  /** Collects `event` if it is a key event of a key stream; true if it was. */
  add(event: Pick<RecordedEvent, 'stream' | 'type' | 'data'>): boolean {
    if (!event.stream.startsWith(KEY_STREAM_PREFIX) || !isKeyEvent(event)) return false;
    const keyId = event.stream.slice(KEY_STREAM_PREFIX.length);
    let list = this.events.get(keyId);
    if (list === undefined) {
      list = [];
      this.events.set(keyId, list);
    }
    list.push({ type: event.type, data: event.data } as KeyEvent);
    this.states.delete(keyId);
    return true;
  }

  /** The key's state after its events so far (`exists: false` for a key with none). */
  stateOf(keyId: string): KeyState {
    let state = this.states.get(keyId);
    if (state === undefined) {
      state = foldKey(this.events.get(keyId) ?? []);
      this.states.set(keyId, state);
    }
    return state;
  }

  /** The registry, keys in order of their ids, versions in order: what keys.json holds. */
  file(): KeysFile {
    return {
      keys: [...this.events.keys()].sort().flatMap((keyId) => {
        const state = this.stateOf(keyId);
        return state.exists ? [{ keyId, versions: state.versions.map((v) => ({ version: v.version, fingerprint: v.fingerprint, publicKeyPem: v.publicKeyPem, status: v.status })) }] : [];
      }),
    };
  }
}
