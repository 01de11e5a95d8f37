import type { KeyAlgorithm, KeyProviderKind } from './key-algorithm';

export type KeyVersionStatus = 'active' | 'retired' | 'revoked';

export interface KeyRevocation {
  readonly reason: string;
  readonly effectiveAt: string;
  readonly revokedAt: string;
}

export interface KeyVersionRecord {
  readonly version: number;
  readonly publicKeyPem: string;
  readonly fingerprint: string;
  readonly providerRef: string;
  readonly activatedAt: string;
  /** When a rotation replaced it as the active version. */
  readonly retiredAt: string | null;
  readonly status: KeyVersionStatus;
  readonly revocation: KeyRevocation | null;
}

/** A key as its events describe it. Plain JSON so the key registry can store it as its document. */
export interface KeyRecord {
  readonly exists: true;
  readonly keyId: string;
  readonly name: string;
  readonly provider: KeyProviderKind;
  readonly algorithm: KeyAlgorithm;
  readonly origin: 'generated' | 'imported';
  readonly createdAt: string;
  /** The version that signs now; null once it is revoked and no rotation followed. */
  readonly activeVersion: number | null;
  /** True once every version is revoked: the key is finished. */
  readonly revoked: boolean;
  /** Ordered by version; `versions[n - 1].version === n`. */
  readonly versions: readonly KeyVersionRecord[];
  /** How many events the key stream holds (its last revision + 1). */
  readonly eventCount: number;
}

export type KeyState = { readonly exists: false } | KeyRecord;

export const INITIAL_KEY_STATE: KeyState = { exists: false };

export function versionOf(state: KeyRecord, version: number): KeyVersionRecord | undefined {
  const record = state.versions[version - 1];
  return record?.version === version ? record : undefined;
}
