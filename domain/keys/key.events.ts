import type { KeyAlgorithm, KeyProviderKind } from './key-algorithm';

/** Schema version of every key event below; bump per event when its data changes shape. */
export const KEY_EVENT_SCHEMA_VERSION = 1;

export const KEY_EVENT_TYPES = ['KeyCreated', 'KeyVersionActivated', 'KeyRotated', 'KeyRevoked'] as const;
export type KeyEventType = (typeof KEY_EVENT_TYPES)[number];

export interface KeyCreatedData {
  readonly keyId: string;
  readonly name: string;
  readonly provider: KeyProviderKind;
  readonly algorithm: KeyAlgorithm;
  /** 'generated' by the provider for this ledger, or 'imported' (registered) from existing material. */
  readonly origin: 'generated' | 'imported';
  /** Public key of version 1 (SPKI PEM). */
  readonly publicKeyPem: string;
  /** Hex SHA-256 of the DER SPKI of version 1. */
  readonly fingerprint: string;
  /** Where the provider keeps the private key of version 1 (file name, `id:<hex>` in the token, KMS key ARN). */
  readonly providerRef: string;
  readonly createdAt: string;
}

export interface KeyVersionActivatedData {
  readonly keyId: string;
  readonly version: number;
  readonly publicKeyPem: string;
  readonly fingerprint: string;
  readonly providerRef: string;
  readonly activatedAt: string;
}

export interface KeyRotatedData {
  readonly keyId: string;
  /** The version that was active, or null when it had been revoked. */
  readonly fromVersion: number | null;
  readonly toVersion: number;
  readonly rotatedAt: string;
}

export interface KeyRevokedData {
  readonly keyId: string;
  /** One version, or every version not already revoked. */
  readonly version: number | 'all';
  /** The versions this revocation newly revokes (explicit, so readers need not re-derive 'all'). */
  readonly versions: readonly number[];
  readonly reason: string;
  /** Signatures made at or after this instant by the revoked versions verify as invalid. */
  readonly effectiveAt: string;
  /** When the revocation was recorded (≥ effectiveAt). */
  readonly revokedAt: string;
}

export type KeyEvent =
  | { readonly type: 'KeyCreated'; readonly data: KeyCreatedData }
  | { readonly type: 'KeyVersionActivated'; readonly data: KeyVersionActivatedData }
  | { readonly type: 'KeyRotated'; readonly data: KeyRotatedData }
  | { readonly type: 'KeyRevoked'; readonly data: KeyRevokedData };

export function isKeyEvent(event: { readonly type: string }): event is KeyEvent {
  return (KEY_EVENT_TYPES as readonly string[]).includes(event.type);
}
