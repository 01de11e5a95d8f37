import { instantMs } from './instant';
import { foldKey } from './key.evolve';
import type { KeyEvent } from './key.events';
import type { KeyState } from './key.state';
import { versionOf } from './key.state';

export type SigningValidity =
  | { readonly valid: true; readonly publicKeyPem: string; readonly fingerprint: string }
  | { readonly valid: false; readonly reason: SigningInvalidReason; readonly message: string };

export type SigningInvalidReason = 'unknown_key' | 'unknown_version' | 'not_yet_active' | 'revoked' | 'invalid_time';

/**
 * Was a signature by `version` of this key, made at `signedAt`, valid as of
 * signing time? `keyState` is the key's full history (later revocations
 * included): a revocation recorded after the signature still invalidates it
 * when its `effectiveAt` is at or before `signedAt`. Rotation never
 * invalidates: retired versions keep verifying what they signed.
 */
export function signingValidityAt(keyState: KeyState, version: number, signedAt: string): SigningValidity {
  if (!keyState.exists) return { valid: false, reason: 'unknown_key', message: 'the key is not in the registry' };
  const record = versionOf(keyState, version);
  if (record === undefined) {
    return { valid: false, reason: 'unknown_version', message: `key ${keyState.keyId} has no version ${version}` };
  }
  const at = instantMs(signedAt);
  if (Number.isNaN(at)) return { valid: false, reason: 'invalid_time', message: `signing time ${JSON.stringify(signedAt)} is not RFC 3339` };
  if (at < instantMs(record.activatedAt)) {
    return {
      valid: false,
      reason: 'not_yet_active',
      message: `version ${version} of key ${keyState.keyId} was activated at ${record.activatedAt}, after the signing time ${signedAt}`,
    };
  }
  if (record.revocation !== null && at >= instantMs(record.revocation.effectiveAt)) {
    return {
      valid: false,
      reason: 'revoked',
      message: `version ${version} of key ${keyState.keyId} is revoked effective ${record.revocation.effectiveAt} (${record.revocation.reason}); signed at ${signedAt}`,
    };
  }
  return { valid: true, publicKeyPem: record.publicKeyPem, fingerprint: record.fingerprint };
}

/**
 * Was `keyVersion`, with this fingerprint, the key's active version once the
 * first `keyRevision + 1` events of its stream had happened — the registry as
 * it stood when the signer recorded that revision? Signatures and ledger
 * checkpoints both record it, and both are checked by this one rule.
 */
export function wasActiveAtRevision(events: readonly KeyEvent[], signer: { readonly keyVersion: number; readonly fingerprint: string; readonly keyRevision: number }): boolean {
  const asItStood = foldKey(events.slice(0, signer.keyRevision + 1));
  if (!asItStood.exists || asItStood.activeVersion !== signer.keyVersion) return false;
  return versionOf(asItStood, signer.keyVersion)?.fingerprint === signer.fingerprint;
}
