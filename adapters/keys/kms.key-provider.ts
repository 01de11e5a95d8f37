import { createHash, createPublicKey } from 'node:crypto';
import { CreateKeyCommand, GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { KeyAlgorithm } from '../../domain/keys/key-algorithm';
import { AppError, ConflictError, NotFoundError, UnavailableError, ValidationError } from '../../src/errors/app-error';
import type { GenerateKeyRequest, ImportKeyRequest, KeyProvider, ProvidedKey } from '../../src/ports/key-provider';

export interface KmsProviderConfig {
  /** The SDK client (region, credentials and endpoint come from the usual AWS configuration). */
  readonly client: KMSClient;
  /** Abort a KMS request after this long (the breaker also times out). Default 5000 ms. */
  readonly requestTimeoutMs?: number;
}

const REF = /^(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key|alias)\/[A-Za-z0-9/_+=,.@-]+|alias\/[A-Za-z0-9/_-]+|[A-Za-z0-9-]{1,256})$/;

/**
 * Keys in AWS KMS (asymmetric ECC_NIST_P256, SIGN_VERIFY). Only the SHA-256
 * digest is sent (`MessageType: DIGEST`, `ECDSA_SHA_256`); KMS answers DER.
 * `providerRef` is the key ARN KMS reports (aliases are resolved at registration
 * so that re-pointing an alias does not silently change a registered key).
 */
export class KmsKeyProvider implements KeyProvider {
  readonly kind = 'kms' as const;
  private readonly client: KMSClient;
  private readonly timeoutMs: number;

  constructor(config: KmsProviderConfig) {
    this.client = config.client;
    this.timeoutMs = config.requestTimeoutMs ?? 5000;
  }

  async generate(request: GenerateKeyRequest): Promise<ProvidedKey> {
    checkAlgorithm(request.algorithm);
    const created = await this.send(
      () =>
        this.client.send(
          new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: `attestor: ${request.name}`.slice(0, 8192) }),
          { abortSignal: AbortSignal.timeout(this.timeoutMs) },
        ),
      'CreateKey',
    );
    const arn = created.KeyMetadata?.Arn ?? created.KeyMetadata?.KeyId;
    if (arn === undefined) throw new UnavailableError('AWS KMS CreateKey answered without a key id', 5, {}, 'key_provider_failed');
    return this.publicKey(arn);
  }

  async import(request: ImportKeyRequest): Promise<ProvidedKey> {
    if (request.privateKeyPem !== undefined) {
      throw new ValidationError('AWS KMS keys cannot be imported from PEM here; register an existing KMS key by id, ARN or alias', {}, 'invalid_key_request');
    }
    if (request.reference === undefined) throw new ValidationError('registering a KMS key needs reference: a key id, key ARN or alias', {}, 'invalid_key_request');
    return this.publicKey(request.reference);
  }

  async publicKey(providerRef: string): Promise<ProvidedKey> {
    checkRef(providerRef);
    const out = await this.send(
      () => this.client.send(new GetPublicKeyCommand({ KeyId: providerRef }), { abortSignal: AbortSignal.timeout(this.timeoutMs) }),
      'GetPublicKey',
    );
    if (out.KeyUsage !== undefined && out.KeyUsage !== 'SIGN_VERIFY') {
      throw new ValidationError(`KMS key ${providerRef} has usage ${out.KeyUsage}; a signing key needs SIGN_VERIFY`, { providerRef }, 'unsupported_algorithm');
    }
    if (out.KeySpec !== 'ECC_NIST_P256' || (out.SigningAlgorithms !== undefined && !out.SigningAlgorithms.includes('ECDSA_SHA_256'))) {
      throw new ValidationError(`KMS key ${providerRef} is ${String(out.KeySpec)}; only ECC_NIST_P256 with ECDSA_SHA_256 is supported`, { providerRef }, 'unsupported_algorithm');
    }
    if (out.PublicKey === undefined) throw new UnavailableError('AWS KMS GetPublicKey answered without a public key', 5, {}, 'key_provider_failed');
    const publicKeyPem = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
    return { providerRef: out.KeyId ?? providerRef, publicKeyPem, algorithm: 'ecdsa-p256-sha256' };
  }

  async sign(providerRef: string, message: Uint8Array): Promise<Buffer> {
    checkRef(providerRef);
    const digest = createHash('sha256').update(message).digest();
    const out = await this.send(
      () =>
        this.client.send(new SignCommand({ KeyId: providerRef, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }), {
          abortSignal: AbortSignal.timeout(this.timeoutMs),
        }),
      'Sign',
    );
    if (out.Signature === undefined) throw new UnavailableError('AWS KMS Sign answered without a signature', 5, {}, 'key_provider_failed');
    return Buffer.from(out.Signature);
  }

  /**
   * Leaves the KMS key in place: KMS only schedules deletion (7 days at least) and this role may
   * not hold kms:ScheduleKeyDeletion. A refused generate leaves a key that no event names.
   */
  discard(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }

  /** Runs one KMS call and translates its errors into ours. */
  private async send<T>(call: () => Promise<T>, operation: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translate(error, operation);
    }
  }
}

function translate(error: unknown, operation: string): unknown {
  if (error instanceof AppError) return error;
  const name = (error as { name?: unknown } | null)?.name;
  const message = error instanceof Error ? error.message : String(error);
  const details = { operation, awsError: typeof name === 'string' ? name : undefined };
  switch (name) {
    case 'NotFoundException':
      return new NotFoundError(`AWS KMS has no such key (${operation}): ${message}`, details, 'key_material_not_found');
    case 'DisabledException':
    case 'KMSInvalidStateException':
      return new ConflictError(`the AWS KMS key cannot be used now (${name}): ${message}; enable it in KMS or use another key`, details, 'kms_key_unusable');
    case 'InvalidKeyUsageException':
    case 'UnsupportedOperationException':
    case 'ValidationException':
    case 'InvalidArnException':
      return new ValidationError(`AWS KMS refused ${operation} (${name}): ${message}`, details, 'kms_invalid_request');
    case 'AccessDeniedException':
      return new UnavailableError(`AWS KMS denied ${operation}: ${message}; grant kms:${operation} to this service's role`, 60, details, 'kms_access_denied', error);
    default:
      return new UnavailableError(`AWS KMS ${operation} failed: ${message}`, 5, details, 'key_provider_failed', error);
  }
}

function checkRef(ref: string): void {
  if (!REF.test(ref)) {
    throw new ValidationError(`KMS key reference ${JSON.stringify(ref)} must be a key id, a key or alias ARN, or "alias/<name>"`, { reference: ref }, 'invalid_key_request');
  }
}

function checkAlgorithm(algorithm: KeyAlgorithm): void {
  if (algorithm !== 'ecdsa-p256-sha256') throw new ValidationError(`KMS keys support ecdsa-p256-sha256 only, not ${String(algorithm)}`, {}, 'unsupported_algorithm');
}
