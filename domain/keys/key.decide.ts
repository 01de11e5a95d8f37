import { KEY_PROVIDER_KINDS, parseKeyAlgorithm, parsePublicKeyPem, type KeyProviderKind } from './key-algorithm';
import type { CreateKey, KeyCommand, RegisterKey, RevokeKey, RotateKey } from './key.commands';
import {
  InvalidKeyInputError,
  KeyAlreadyExistsError,
  KeyMaterialReusedError,
  KeyNotFoundError,
  KeyRevokedError,
  KeyVersionAlreadyRevokedError,
  KeyVersionNotFoundError,
} from './key.errors';
import type { KeyEvent } from './key.events';
import type { KeyRecord, KeyState, KeyVersionRecord } from './key.state';
import { versionOf } from './key.state';
import { instantMs, parseInstant } from './instant';
import { mayOwn, type MaterialOwners } from './key-material';

export interface DecideContext {
  /** RFC 3339 UTC, from the injected clock. */
  readonly now: string;
  /**
   * Every fingerprint registered (or claimed) by any key version, from the events of all key
   * and key-material streams. Create and rotate refuse material owned by another key version.
   */
  readonly materialOwners: MaterialOwners;
}

const MAX_NAME = 200;
const MAX_REASON = 1000;
const MAX_PROVIDER_REF = 1000;

/** The key aggregate's decider: validates a command against the current state and returns the events it causes. */
export function decide(command: KeyCommand, state: KeyState, { now, materialOwners }: DecideContext): KeyEvent[] {
  switch (command.type) {
    case 'CreateKey':
    case 'RegisterKey':
      return create(command, state, now, materialOwners);
    case 'RotateKey':
      return rotate(command, requireKey(state, command.keyId), now, materialOwners);
    case 'RevokeKey':
      return revoke(command, requireKey(state, command.keyId), now);
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled key command ${JSON.stringify(unhandled)}`);
    }
  }
}

function create(command: CreateKey | RegisterKey, state: KeyState, now: string, owners: MaterialOwners): KeyEvent[] {
  if (state.exists) throw new KeyAlreadyExistsError(command.keyId);
  const name = requireText(command.name, 'name', MAX_NAME);
  const provider = parseProvider(command.provider);
  const algorithm = parseKeyAlgorithm(command.algorithm);
  const providerRef = requireText(command.providerRef, 'providerRef', MAX_PROVIDER_REF);
  const publicKey = parsePublicKeyPem(command.publicKeyPem, algorithm);
  requireUnowned(owners, publicKey.fingerprint, command.keyId, 1);
  return [
    {
      type: 'KeyCreated',
      data: {
        keyId: command.keyId,
        name,
        provider,
        algorithm,
        origin: command.type === 'CreateKey' ? 'generated' : 'imported',
        publicKeyPem: publicKey.pem,
        fingerprint: publicKey.fingerprint,
        providerRef,
        createdAt: now,
      },
    },
    {
      type: 'KeyVersionActivated',
      data: { keyId: command.keyId, version: 1, publicKeyPem: publicKey.pem, fingerprint: publicKey.fingerprint, providerRef, activatedAt: now },
    },
  ];
}

function rotate(command: RotateKey, key: KeyRecord, now: string, owners: MaterialOwners): KeyEvent[] {
  if (key.revoked) throw new KeyRevokedError(key.keyId, 'all');
  const providerRef = requireText(command.providerRef, 'providerRef', MAX_PROVIDER_REF);
  const publicKey = parsePublicKeyPem(command.publicKeyPem, key.algorithm);
  const own = key.versions.find((v) => v.fingerprint === publicKey.fingerprint);
  if (own !== undefined) throw new KeyMaterialReusedError(key.keyId, publicKey.fingerprint, { keyId: key.keyId, version: own.version });
  const toVersion = key.versions.length + 1;
  requireUnowned(owners, publicKey.fingerprint, key.keyId, toVersion);
  return [
    {
      type: 'KeyVersionActivated',
      data: { keyId: key.keyId, version: toVersion, publicKeyPem: publicKey.pem, fingerprint: publicKey.fingerprint, providerRef, activatedAt: now },
    },
    { type: 'KeyRotated', data: { keyId: key.keyId, fromVersion: key.activeVersion, toVersion, rotatedAt: now } },
  ];
}

function revoke(command: RevokeKey, key: KeyRecord, now: string): KeyEvent[] {
  const reason = requireText(command.reason, 'reason', MAX_REASON);
  const effectiveAt = command.effectiveAt === undefined ? now : parseInstant(command.effectiveAt, 'effectiveAt');
  if (instantMs(effectiveAt) > instantMs(now)) {
    throw new InvalidKeyInputError('effectiveAt must not lie in the future: a revocation takes effect when it is recorded or earlier', {
      effectiveAt,
      now,
    });
  }
  let versions: number[];
  if (command.version === 'all') {
    versions = key.versions.filter((v) => v.status !== 'revoked').map((v) => v.version);
    if (versions.length === 0) throw new KeyVersionAlreadyRevokedError(key.keyId, 'all');
  } else {
    if (!Number.isSafeInteger(command.version) || command.version < 1) {
      throw new InvalidKeyInputError('version must be a positive integer or "all"', { version: command.version });
    }
    const record = versionOf(key, command.version);
    if (record === undefined) throw new KeyVersionNotFoundError(key.keyId, command.version);
    if (record.status === 'revoked') throw new KeyVersionAlreadyRevokedError(key.keyId, command.version);
    versions = [record.version];
  }
  return [{ type: 'KeyRevoked', data: { keyId: key.keyId, version: command.version, versions, reason, effectiveAt, revokedAt: now } }];
}

/**
 * The version that signs for this key now. Only the active version signs; a
 * revoked key or revoked active version never signs again.
 */
export function activeSigningVersion(state: KeyState, keyId: string): KeyVersionRecord {
  const key = requireKey(state, keyId);
  if (key.revoked) throw new KeyRevokedError(key.keyId, 'all');
  const active = key.activeVersion === null ? undefined : versionOf(key, key.activeVersion);
  if (active === undefined || active.status !== 'active') {
    const last = key.versions[key.versions.length - 1];
    throw new KeyRevokedError(key.keyId, last?.version ?? 'all');
  }
  return active;
}

/** Material may go to `keyId` version `version` only if no other key version owns or claimed it. */
function requireUnowned(owners: MaterialOwners, fingerprint: string, keyId: string, version: number): void {
  const owner = owners.get(fingerprint);
  // A claim naming this very key version is this request's own, left by an earlier attempt whose key events were not written.
  if (owner !== undefined && !mayOwn(owner, { keyId, version })) throw new KeyMaterialReusedError(keyId, fingerprint, owner);
}

function requireKey(state: KeyState, keyId: string): KeyRecord {
  if (!state.exists) throw new KeyNotFoundError(keyId);
  return state;
}

function requireText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new InvalidKeyInputError(`${field} is required and must be a non-empty string`, { field });
  }
  if (value.length > max) throw new InvalidKeyInputError(`${field} is longer than ${max} characters`, { field, max });
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new InvalidKeyInputError(`${field} must not contain control characters`, { field });
  return value.trim();
}

/** The key name rule, exposed so a service can check it before a provider makes key material. */
export function requireKeyName(value: unknown): string {
  return requireText(value, 'name', MAX_NAME);
}

function parseProvider(value: unknown): KeyProviderKind {
  if (typeof value === 'string' && (KEY_PROVIDER_KINDS as readonly string[]).includes(value)) return value as KeyProviderKind;
  throw new InvalidKeyInputError(`provider must be one of ${KEY_PROVIDER_KINDS.join(', ')}`, { provider: value }, 'unknown_key_provider');
}
