import { AppError } from '../errors/app-error';

/** The payload is larger than the service signs. */
export class PayloadTooLargeError extends AppError {
  readonly code = 'payload_too_large';
  readonly status = 413;
  constructor(size: number, limit: number) {
    super(`the payload is ${size} bytes; the limit is ${limit} bytes — sign a smaller payload or an in-toto statement that references the artifact by digest`, { size, limit });
  }
}

/** A provider returned a signature that the key's registered public key does not verify: the key material has changed. */
export class SignatureSelfCheckError extends AppError {
  readonly code = 'signature_self_check_failed';
  readonly status = 500;
  constructor(keyId: string, version: number) {
    super(`the signature made with version ${version} of key ${keyId} does not verify with its registered public key; the provider's key material no longer matches the registry — nothing was recorded`, {
      keyId,
      version,
    });
  }
}
