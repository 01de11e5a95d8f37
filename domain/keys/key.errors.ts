/**
 * Domain errors of the key aggregate. Each has a stable `code` and a `kind`
 * that the application layer maps to the service-wide error categories
 * (`src/signing/domain-errors.ts`): invalid → 400, not_found → 404, conflict → 409.
 */
import { DomainError } from '../shared/domain-error';

export abstract class KeyDomainError extends DomainError {}

export class InvalidKeyInputError extends KeyDomainError {
  readonly kind = 'invalid';
  constructor(
    message: string,
    details: Record<string, unknown> = {},
    readonly code: string = 'invalid_key_request',
  ) {
    super(message, details);
  }
}

export class UnsupportedAlgorithmError extends KeyDomainError {
  readonly kind = 'invalid';
  readonly code = 'unsupported_algorithm';
  constructor(algorithm: unknown, supported: readonly string[]) {
    super(`algorithm ${JSON.stringify(algorithm)} is not supported; use one of: ${supported.join(', ')}`, { algorithm, supported });
  }
}

export class MalformedPublicKeyError extends KeyDomainError {
  readonly kind = 'invalid';
  readonly code = 'malformed_pem';
  constructor(reason: string) {
    super(`the public key is not a valid PEM-encoded SPKI key: ${reason}`);
  }
}

export class KeyNotFoundError extends KeyDomainError {
  readonly kind = 'not_found';
  readonly code = 'key_not_found';
  constructor(keyId: string) {
    super(`key ${keyId} does not exist; create it with POST /api/v1/keys or list keys with GET /api/v1/keys`, { keyId });
  }
}

export class KeyVersionNotFoundError extends KeyDomainError {
  readonly kind = 'not_found';
  readonly code = 'key_version_not_found';
  constructor(keyId: string, version: number) {
    super(`key ${keyId} has no version ${version}`, { keyId, version });
  }
}

export class KeyAlreadyExistsError extends KeyDomainError {
  readonly kind = 'conflict';
  readonly code = 'key_already_exists';
  constructor(keyId: string) {
    super(`key ${keyId} already exists`, { keyId });
  }
}

/** The key (or its active version) is revoked; revocation cannot be undone — create a new key. */
export class KeyRevokedError extends KeyDomainError {
  readonly kind = 'conflict';
  readonly code = 'key_revoked';
  constructor(keyId: string, version: number | 'all') {
    super(
      version === 'all'
        ? `key ${keyId} is revoked and can no longer sign or rotate; revocation cannot be undone, create a new key instead`
        : `version ${version} of key ${keyId} is revoked and can no longer sign; rotate the key to get a new active version or create a new key`,
      { keyId, version },
    );
  }
}

export class KeyVersionAlreadyRevokedError extends KeyDomainError {
  readonly kind = 'conflict';
  readonly code = 'key_already_revoked';
  constructor(keyId: string, version: number | 'all') {
    super(
      version === 'all'
        ? `every version of key ${keyId} is already revoked`
        : `version ${version} of key ${keyId} is already revoked; revocation cannot be changed or undone`,
      { keyId, version },
    );
  }
}

export class KeyMaterialReusedError extends KeyDomainError {
  readonly kind = 'conflict';
  readonly code = 'key_material_reused';
  constructor(keyId: string, fingerprint: string, owner?: { readonly keyId: string; readonly version: number }) {
    super(
      owner === undefined || owner.keyId === keyId
        ? `rotation of key ${keyId} must bring a new key pair, but ${fingerprint} is already ${owner === undefined ? 'one of its versions' : `its version ${owner.version}`}`
        : `key material ${fingerprint} already belongs to version ${owner.version} of key ${owner.keyId}; key material belongs to one key version only, ever (revoked versions included) — bring a new key pair`,
      owner === undefined ? { keyId, fingerprint } : { keyId, fingerprint, ownerKeyId: owner.keyId, ownerVersion: owner.version },
    );
  }
}
