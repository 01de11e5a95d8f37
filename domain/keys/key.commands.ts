import type { KeyId } from './key-id';
import type { KeyProviderKind } from './key-algorithm';

/**
 * Commands carry the public half of the material the provider produced: the
 * provider call happens before deciding, so `decide` stays pure.
 */
export interface CreateKey {
  readonly type: 'CreateKey';
  readonly keyId: KeyId;
  readonly name: string;
  readonly provider: KeyProviderKind;
  readonly algorithm: unknown;
  readonly publicKeyPem: string;
  readonly providerRef: string;
}

/** Like CreateKey, for key material that existed before (imported file, existing token object, existing KMS key). */
export interface RegisterKey extends Omit<CreateKey, 'type'> {
  readonly type: 'RegisterKey';
}

export interface RotateKey {
  readonly type: 'RotateKey';
  readonly keyId: KeyId;
  readonly publicKeyPem: string;
  readonly providerRef: string;
}

export interface RevokeKey {
  readonly type: 'RevokeKey';
  readonly keyId: KeyId;
  readonly version: number | 'all';
  readonly reason: string;
  /** RFC 3339; default now. May lie in the past (compromise found late), never in the future. */
  readonly effectiveAt?: string;
}

export type KeyCommand = CreateKey | RegisterKey | RotateKey | RevokeKey;
