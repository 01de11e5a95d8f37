import { createPrivateKey, createPublicKey, generateKeyPair, randomUUID, sign as signAsync, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describeKeyType, KEY_ALGORITHMS, keyAlgorithmOf, type KeyAlgorithm } from '../../domain/keys/key-algorithm';
import { NotFoundError, ValidationError } from '../../src/errors/app-error';
import { writeFileDurably } from '../fs/durable-file';
import type { GenerateKeyRequest, ImportKeyRequest, KeyProvider, ProvidedKey } from '../../src/ports/key-provider';

const generateKeyPairAsync = promisify(generateKeyPair);
const signCallback = promisify(signAsync);
const REF = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.pem$/;

/** A key file is readable, writable or executable by someone other than its owner. */
export class InsecureKeyFileError extends ValidationError {
  constructor(file: string, mode: number) {
    const octal = (mode & 0o777).toString(8).padStart(3, '0');
    super(
      `key file ${file} has mode ${octal}: group or others can access it; a private key must be private to its owner — run: chmod 600 ${file}`,
      { file, mode: octal },
      'insecure_key_file_permissions',
    );
  }
}

/**
 * Private keys as PKCS#8 PEM files in one directory (the sealed/offline mode).
 * Files are written 0600 in a 0700 directory and refused when group- or
 * world-accessible. `providerRef` is the file name inside the directory.
 */
export class FileKeyProvider implements KeyProvider {
  readonly kind = 'file' as const;
  private readonly cache = new Map<string, KeyObject>();

  constructor(private readonly directory: string) {}

  async generate(request: GenerateKeyRequest): Promise<ProvidedKey> {
    const { privateKey } = await generateKeyPairAsync('ec', { namedCurve: namedCurveOf(request.algorithm) });
    return this.store(privateKey);
  }

  async import(request: ImportKeyRequest): Promise<ProvidedKey> {
    if (request.privateKeyPem !== undefined) return this.store(parsePrivateKeyPem(request.privateKeyPem));
    if (request.reference !== undefined) {
      const ref = checkRef(request.reference);
      return describe(ref, await this.load(ref));
    }
    throw new ValidationError('importing a file key needs privateKeyPem (PKCS#8 or SEC1 PEM) or reference (a .pem file name in the key directory)', {}, 'invalid_key_request');
  }

  async publicKey(providerRef: string): Promise<ProvidedKey> {
    return describe(providerRef, await this.load(checkRef(providerRef)));
  }

  async sign(providerRef: string, message: Uint8Array): Promise<Buffer> {
    const key = await this.load(checkRef(providerRef));
    return signCallback('sha256', message, { key, dsaEncoding: 'der' });
  }

  /** Deletes the key file `store` wrote for a refused request; a file already gone is fine. */
  async discard(providerRef: string): Promise<void> {
    const ref = checkRef(providerRef);
    this.cache.delete(ref);
    await fs.rm(path.join(this.directory, ref), { force: true });
  }

  close(): Promise<void> {
    this.cache.clear();
    return Promise.resolve();
  }

  private async store(privateKey: KeyObject): Promise<ProvidedKey> {
    algorithmOf(privateKey);
    await fs.mkdir(this.directory, { recursive: true, mode: 0o700 });
    const ref = `${randomUUID()}.pem`;
    const file = path.join(this.directory, ref);
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    // Durable before the KeyCreated event (fsynced) can name it: a key lost to a power cut would
    // leave the ledger naming a key that no longer exists.
    await writeFileDurably(file, pem, 0o600);
    this.cache.set(ref, privateKey);
    return describe(ref, privateKey);
  }

  private async load(ref: string): Promise<KeyObject> {
    const cached = this.cache.get(ref);
    if (cached !== undefined) return cached;
    const file = path.join(this.directory, ref);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotFoundError(`key file ${ref} is not in the key directory ${this.directory}`, { providerRef: ref }, 'key_material_not_found');
      }
      throw error;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new ValidationError(`${file} is not a regular file`, { providerRef: ref }, 'invalid_key_request');
      if ((stat.mode & 0o077) !== 0) throw new InsecureKeyFileError(file, stat.mode);
      const key = parsePrivateKeyPem(await handle.readFile('utf8'));
      algorithmOf(key);
      this.cache.set(ref, key);
      return key;
    } finally {
      await handle.close();
    }
  }
}

function algorithmOf(key: KeyObject): KeyAlgorithm {
  const algorithm = keyAlgorithmOf(key);
  if (algorithm === null) {
    throw new ValidationError(`a ${describeKeyType(key)} key is not supported; use one of: ${KEY_ALGORITHMS.join(', ')}`, { algorithm: describeKeyType(key) }, 'unsupported_algorithm');
  }
  return algorithm;
}

function checkRef(ref: string): string {
  if (!REF.test(ref)) {
    throw new ValidationError(`file key reference ${JSON.stringify(ref)} must be a .pem file name inside the key directory (no path)`, { reference: ref }, 'invalid_key_request');
  }
  return ref;
}

function parsePrivateKeyPem(pem: string): KeyObject {
  if (typeof pem !== 'string' || !/-----BEGIN (?:EC |)PRIVATE KEY-----/.test(pem)) {
    const encrypted = typeof pem === 'string' && pem.includes('ENCRYPTED PRIVATE KEY');
    throw new ValidationError(
      encrypted
        ? 'the private key PEM is encrypted; decrypt it first (openssl pkcs8 -in key.pem -nocrypt -topk8)'
        : 'privateKeyPem must be a PEM "-----BEGIN PRIVATE KEY-----" (PKCS#8) or "-----BEGIN EC PRIVATE KEY-----" block',
      {},
      'malformed_pem',
    );
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new ValidationError(`the private key PEM cannot be parsed: ${error instanceof Error ? error.message : String(error)}`, {}, 'malformed_pem');
  }
}

function describe(providerRef: string, privateKey: KeyObject): ProvidedKey {
  const algorithm = algorithmOf(privateKey);
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { providerRef, publicKeyPem, algorithm };
}

function namedCurveOf(algorithm: KeyAlgorithm): string {
  switch (algorithm) {
    case 'ecdsa-p256-sha256':
      return 'P-256';
    default: {
      const unhandled: never = algorithm;
      return unhandled;
    }
  }
}
