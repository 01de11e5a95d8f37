/**
 * Key material (a key pair, named by the hex SHA-256 of its DER SPKI public key)
 * belongs to at most one version of one key, ever — revoked versions included:
 * registering a revoked key's material under another id would make its
 * signatures verify again.
 *
 * Ownership is recorded twice: by the KeyVersionActivated event in the key's
 * stream (the truth), and by a KeyMaterialClaimed event, the only event of its
 * own stream `keymaterial-<fingerprint>`, appended with expected revision
 * `no_stream` before the key events. The event store serialises appends to one
 * stream, so of two requests bringing the same material at the same time
 * exactly one claim succeeds — whichever key ids they name. Keys registered
 * before claims existed have no claim; their activations still count.
 */
import { streamName } from '../events/stream-name';
import type { StreamName } from '../events/event';

export const KEY_MATERIAL_CLAIMED = 'KeyMaterialClaimed';
export const KEY_MATERIAL_EVENT_SCHEMA_VERSION = 1;
export const KEY_MATERIAL_STREAM_CATEGORY = 'keymaterial';

/** The version of a key that owns (or claimed) a piece of key material. */
export interface MaterialOwner {
  readonly keyId: string;
  readonly version: number;
}

/** Fingerprint → owner: what decide needs to know about material registered anywhere. */
export type MaterialOwners = ReadonlyMap<string, MaterialOwner>;

export const NO_MATERIAL_OWNERS: MaterialOwners = new Map();

export interface KeyMaterialClaimedData {
  /** Hex SHA-256 of the DER SPKI; also the stream id. */
  readonly fingerprint: string;
  /** The key version the material is claimed for. */
  readonly keyId: string;
  readonly version: number;
  readonly claimedAt: string;
}

export interface KeyMaterialClaimed {
  readonly type: typeof KEY_MATERIAL_CLAIMED;
  readonly data: KeyMaterialClaimedData;
}

export function keyMaterialStream(fingerprint: string): StreamName {
  return streamName(KEY_MATERIAL_STREAM_CATEGORY, fingerprint);
}

/** The claim for the material that `owner` is about to activate. */
export function claimMaterial(fingerprint: string, owner: MaterialOwner, now: string): KeyMaterialClaimed {
  return { type: KEY_MATERIAL_CLAIMED, data: { fingerprint, keyId: owner.keyId, version: owner.version, claimedAt: now } };
}

/** True when `owner` may take material whose registered owner is `current` (none, or the very same key version). */
export function mayOwn(current: MaterialOwner | undefined, owner: MaterialOwner): boolean {
  return current === undefined || (current.keyId === owner.keyId && current.version === owner.version);
}
