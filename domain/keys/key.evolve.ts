import type { KeyEvent } from './key.events';
import type { KeyRecord, KeyState, KeyVersionRecord } from './key.state';
import { INITIAL_KEY_STATE } from './key.state';
import { fingerprintOf } from './key-algorithm';

/** The key aggregate's fold. Pure; events that do not fit the state are ignored rather than invented. */
export function evolve(state: KeyState, event: KeyEvent): KeyState {
  switch (event.type) {
    case 'KeyCreated': {
      const d = event.data;
      return {
        exists: true,
        keyId: d.keyId,
        name: d.name,
        provider: d.provider,
        algorithm: d.algorithm,
        origin: d.origin,
        createdAt: d.createdAt,
        activeVersion: null,
        revoked: false,
        versions: [],
        eventCount: 1,
      };
    }
    case 'KeyVersionActivated': {
      if (!state.exists) return state;
      const d = event.data;
      const versions: KeyVersionRecord[] = state.versions.map((v) =>
        v.status === 'active' ? { ...v, status: 'retired', retiredAt: d.activatedAt } : v,
      );
      versions.push({
        version: d.version,
        publicKeyPem: d.publicKeyPem,
        // Recomputed from the key, never taken from the event: a stored event whose fingerprint
        // names another key (a forgery keeping a pinned fingerprint) must not pass for it.
        fingerprint: trueFingerprint(d.publicKeyPem),
        providerRef: d.providerRef,
        activatedAt: d.activatedAt,
        retiredAt: null,
        status: 'active',
        revocation: null,
      });
      return bump({ ...state, versions, activeVersion: d.version });
    }
    case 'KeyRotated':
      // The activation that precedes it already moved the active version; this event records the act.
      return state.exists ? bump(state) : state;
    case 'KeyRevoked': {
      if (!state.exists) return state;
      const d = event.data;
      const revokedNow = new Set(d.versions);
      const versions: KeyVersionRecord[] = state.versions.map((v) =>
        revokedNow.has(v.version) && v.status !== 'revoked'
          ? { ...v, status: 'revoked', revocation: { reason: d.reason, effectiveAt: d.effectiveAt, revokedAt: d.revokedAt } }
          : v,
      );
      const activeVersion = state.activeVersion !== null && revokedNow.has(state.activeVersion) ? null : state.activeVersion;
      return bump({ ...state, versions, activeVersion, revoked: state.revoked || d.version === 'all' });
    }
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled key event ${JSON.stringify(unhandled)}`);
    }
  }
}

function bump(state: KeyRecord): KeyRecord {
  return { ...state, eventCount: state.eventCount + 1 };
}

export function foldKey(events: Iterable<KeyEvent>, initial: KeyState = INITIAL_KEY_STATE): KeyState {
  let state = initial;
  for (const event of events) state = evolve(state, event);
  return state;
}

/** SHA-256 of the version's DER SPKI; a PEM that does not parse matches no pin and no keyid. */
function trueFingerprint(publicKeyPem: string): string {
  try {
    return fingerprintOf(publicKeyPem);
  } catch {
    return 'invalid-public-key';
  }
}
