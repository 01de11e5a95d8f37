import type { KeyAlgorithm, KeyProviderKind } from '../../domain/keys/key-algorithm';

/** What a provider knows about one key it holds. */
export interface ProvidedKey {
  /** Where the provider keeps the private key; opaque to everyone else and recorded in the key's events. */
  readonly providerRef: string;
  /** SPKI PEM. */
  readonly publicKeyPem: string;
  readonly algorithm: KeyAlgorithm;
}

export interface GenerateKeyRequest {
  /** Human label; providers may use it as the token object label. */
  readonly name: string;
  readonly algorithm: KeyAlgorithm;
}

/**
 * Existing key material to register. `privateKeyPem` is for the file provider;
 * `reference` names a key the provider already holds (file name in the key
 * directory, `label:<l>` or `id:<hex>` in a PKCS#11 token, a KMS key id, ARN or alias).
 */
export interface ImportKeyRequest {
  readonly name: string;
  readonly privateKeyPem?: string;
  readonly reference?: string;
}

/**
 * A place that holds private keys and signs with them; the private key never
 * leaves it. Implementations translate vendor errors into AppErrors (4xx for
 * bad input such as a malformed PEM or wrong PIN, 503 for an unreachable device).
 */
export interface KeyProvider {
  readonly kind: KeyProviderKind;
  generate(request: GenerateKeyRequest): Promise<ProvidedKey>;
  import(request: ImportKeyRequest): Promise<ProvidedKey>;
  /** The public key and algorithm of a key the provider holds. */
  publicKey(providerRef: string): Promise<ProvidedKey>;
  /**
   * ECDSA signature (ASN.1 DER) over SHA-256(`message`). Remote providers
   * (PKCS#11, KMS) are sent only the SHA-256 digest; the file provider lets
   * OpenSSL hash, because node:crypto cannot sign a pre-computed digest.
   */
  sign(providerRef: string, message: Uint8Array): Promise<Buffer>;
  /**
   * Removes material this provider made moments ago (`generate`, or `import` of a PEM) for a
   * request that was refused before any event named it, so a refusal leaves no private key
   * behind. Never called for material an event references or that was registered by reference.
   * Providers that cannot (or must not) remove material answer without doing anything.
   */
  discard(providerRef: string): Promise<void>;
  /** Releases sessions and timers. */
  close(): Promise<void>;
}

/** The providers available to this process, by kind. */
export interface KeyProviders {
  get(kind: KeyProviderKind): KeyProvider;
  close(): Promise<void>;
}

export const KEY_PROVIDERS = Symbol('KeyProviders');
