import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { ecdsaRawToDer } from '../../domain/signing/ecdsa-signature';
import type { KeyAlgorithm } from '../../domain/keys/key-algorithm';
import { AppError, NotFoundError, UnavailableError, ValidationError } from '../../src/errors/app-error';
import type { GenerateKeyRequest, ImportKeyRequest, KeyProvider, ProvidedKey } from '../../src/ports/key-provider';
import { Pkcs11Login, type Pkcs11PinSource } from './pkcs11-login';
import { acquireModule, releaseModule } from './pkcs11-module';
import { type Lease, Pkcs11SessionPool } from './pkcs11-session-pool';

export type { Pkcs11PinSource } from './pkcs11-login';

export interface Pkcs11ProviderConfig {
  /** Path of the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  readonly modulePath: string;
  /** Label of the token that holds the keys. */
  readonly tokenLabel: string;
  /** Where the user PIN is read from, at each login (never stored in events or logs). */
  readonly pin: Pkcs11PinSource;
  /** Sessions kept open for concurrent signing. Default 4. */
  readonly sessions?: number;
  /** Told when the HSM dropped the sessions (restart, closed sessions, lost login), which are then replaced. */
  readonly onSessionsLost?: (info: { readonly pkcs11Code: string }) => void;
}

/** DER of the OID prime256v1 (1.2.840.10045.3.1.7), the CKA_EC_PARAMS of a P-256 key. */
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');
/** DER SPKI header of a P-256 public key; the 65-byte uncompressed point follows. */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

type Handle = Buffer;

/** How long `close()` waits for signings in flight before leaving the module loaded. */
const CLOSE_WAIT_MS = 10_000;

/**
 * Keys inside a PKCS#11 token (HSM, SoftHSM2). Generated keys are
 * non-extractable and sensitive; signing sends the SHA-256 digest to the token
 * with CKM_ECDSA and converts its raw r‖s answer to DER. `providerRef` is
 * `id:<hex CKA_ID>` (or `label:<CKA_LABEL>` for an imported key without an id).
 * When the HSM drops the sessions, the pool opens new ones, logs in again and
 * the call runs once more (see Pkcs11SessionPool).
 */
export class Pkcs11KeyProvider implements KeyProvider {
  readonly kind = 'pkcs11' as const;
  private pool: Pkcs11SessionPool | null = null;
  private readonly login: Pkcs11Login;

  constructor(private readonly config: Pkcs11ProviderConfig) {
    this.login = new Pkcs11Login(config.pin, config.tokenLabel);
  }

  async generate(request: GenerateKeyRequest): Promise<ProvidedKey> {
    checkAlgorithm(request.algorithm);
    const id = randomBytes(16);
    const label = request.name.slice(0, 64);
    // Not run again after lost sessions: the cut-off call may have stored the pair, and a second pair with this id would make it ambiguous.
    const retry = false;
    await this.withSession(async ({ lib, session }) => {
      const common = [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_ID, value: id },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
      ];
      await lib.C_GenerateKeyPairAsync(
        session,
        { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
        [...common, { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }, { type: pkcs11js.CKA_VERIFY, value: true }, { type: pkcs11js.CKA_EC_PARAMS, value: P256_PARAMS }],
        [
          ...common,
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: false },
          { type: pkcs11js.CKA_SIGN, value: true },
        ],
      );
    }, retry);
    return this.publicKey(`id:${id.toString('hex')}`);
  }

  async import(request: ImportKeyRequest): Promise<ProvidedKey> {
    if (request.privateKeyPem !== undefined) {
      throw new ValidationError('a PKCS#11 key cannot be imported from PEM: import it into the token with its own tools, then register it by reference "label:<label>" or "id:<hex>"', {}, 'invalid_key_request');
    }
    if (request.reference === undefined) {
      throw new ValidationError('registering a PKCS#11 key needs reference "label:<CKA_LABEL>" or "id:<hex CKA_ID>"', {}, 'invalid_key_request');
    }
    const ref = parseRef(request.reference);
    // Normalise to the CKA_ID when the key has one, so later renames of the label do not matter.
    const canonical = await this.withSession(({ lib, session }) => {
      const key = findOne(lib, session, pkcs11js.CKO_PRIVATE_KEY, ref, request.reference ?? '');
      const [idAttr] = lib.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_ID }]);
      const id = idAttr?.value;
      return id !== undefined && id.length > 0 ? `id:${id.toString('hex')}` : request.reference ?? '';
    });
    return this.publicKey(canonical);
  }

  async publicKey(providerRef: string): Promise<ProvidedKey> {
    const ref = parseRef(providerRef);
    return this.withSession(({ lib, session }) => {
      const handle = findOne(lib, session, pkcs11js.CKO_PUBLIC_KEY, ref, providerRef);
      const attrs = lib.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_EC_PARAMS }, { type: pkcs11js.CKA_EC_POINT }]);
      const params = attrs[0]?.value;
      const point = attrs[1]?.value;
      if (params === undefined || !params.equals(P256_PARAMS)) {
        throw new ValidationError(`PKCS#11 key ${providerRef} is not an ECDSA P-256 key; only ecdsa-p256-sha256 is supported`, { providerRef }, 'unsupported_algorithm');
      }
      const der = Buffer.concat([P256_SPKI_PREFIX, uncompressedPoint(point)]);
      const publicKeyPem = createPublicKey({ key: der, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
      return { providerRef, publicKeyPem, algorithm: 'ecdsa-p256-sha256' as const };
    });
  }

  async sign(providerRef: string, message: Uint8Array): Promise<Buffer> {
    const ref = parseRef(providerRef);
    const digest = createHash('sha256').update(message).digest();
    return this.withSession(async ({ lib, session, objects }) => {
      let key = objects.get(providerRef);
      if (key === undefined) {
        key = findOne(lib, session, pkcs11js.CKO_PRIVATE_KEY, ref, providerRef);
        objects.set(providerRef, key);
      }
      lib.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, key);
      const raw = await lib.C_SignAsync(session, digest, Buffer.alloc(132));
      return ecdsaRawToDer(raw);
    });
  }

  /**
   * Leaves the token object in place: destroying objects in an HSM is for its own tools and
   * officers. A refused generate leaves a labelled key pair that no event names.
   */
  discard(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Closes the sessions, waiting (up to CLOSE_WAIT_MS) for the calls still running on them:
   * finalising the module under a running C_Sign is undefined behaviour. If calls are still
   * running after that, the module is left loaded (the process is stopping anyway).
   */
  async close(): Promise<void> {
    if (this.pool === null) return;
    const pool = this.pool;
    this.pool = null;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      pool.close().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (drained) releaseModule(this.config.modulePath);
  }

  private async withSession<T>(work: (lease: Lease) => T | Promise<T>, retry = true): Promise<T> {
    try {
      return await this.sessions().use(work, retry);
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** The session pool, loading the module at first use; the sessions themselves open at the first call. */
  private sessions(): Pkcs11SessionPool {
    if (this.pool !== null) return this.pool;
    let lib: pkcs11js.PKCS11;
    try {
      lib = acquireModule(this.config.modulePath);
    } catch (error) {
      throw new UnavailableError(`cannot load the PKCS#11 module ${this.config.modulePath}: ${messageOf(error)}`, 30, {}, 'key_provider_unavailable', error);
    }
    this.pool = new Pkcs11SessionPool(lib, {
      modulePath: this.config.modulePath,
      tokenLabel: this.config.tokenLabel,
      size: Math.max(1, this.config.sessions ?? 4),
      logIn: (l, session) => this.login.logIn(l, session),
      onSessionsLost: this.config.onSessionsLost,
    });
    return this.pool;
  }

  private translate(error: unknown): unknown {
    if (error instanceof AppError) return error;
    if (error instanceof pkcs11js.Pkcs11Error) {
      const name = error.message;
      return new UnavailableError(`the PKCS#11 token ${JSON.stringify(this.config.tokenLabel)} failed: ${name}`, 5, { pkcs11Code: name }, 'key_provider_failed', error);
    }
    return error;
  }
}

type KeyRef = { readonly by: 'id'; readonly value: Buffer } | { readonly by: 'label'; readonly value: string };

function parseRef(ref: string): KeyRef {
  if (ref.startsWith('id:') && /^[0-9a-fA-F]{2,256}$/.test(ref.slice(3)) && (ref.length - 3) % 2 === 0) {
    return { by: 'id', value: Buffer.from(ref.slice(3), 'hex') };
  }
  if (ref.startsWith('label:') && ref.length > 6 && ref.length <= 6 + 256) return { by: 'label', value: ref.slice(6) };
  throw new ValidationError(`PKCS#11 key reference ${JSON.stringify(ref)} must be "id:<even-length hex>" or "label:<label>"`, { reference: ref }, 'invalid_key_request');
}

function findOne(lib: pkcs11js.PKCS11, session: Handle, objectClass: number, ref: KeyRef, text: string): Handle {
  lib.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: objectClass },
    ref.by === 'id' ? { type: pkcs11js.CKA_ID, value: ref.value } : { type: pkcs11js.CKA_LABEL, value: ref.value },
  ]);
  let found: Handle[];
  try {
    found = lib.C_FindObjects(session, 2);
  } finally {
    lib.C_FindObjectsFinal(session);
  }
  const kind = objectClass === pkcs11js.CKO_PRIVATE_KEY ? 'private' : 'public';
  const first = found[0];
  if (first === undefined) throw new NotFoundError(`the PKCS#11 token has no ${kind} key ${text}`, { reference: text }, 'key_material_not_found');
  if (found.length > 1) {
    throw new ValidationError(`the PKCS#11 token has several ${kind} keys matching ${text}; register the key by "id:<hex>" instead`, { reference: text }, 'ambiguous_key_reference');
  }
  return first;
}

/** CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 v2.40); some tokens give the bare point. */
function uncompressedPoint(value: Buffer | undefined): Buffer {
  if (value?.length === 65 && value[0] === 0x04) return value;
  if (value?.length === 67 && value[0] === 0x04 && value[1] === 0x41 && value[2] === 0x04) return value.subarray(2);
  throw new ValidationError('the PKCS#11 public key has an EC point that is not an uncompressed P-256 point', {}, 'unsupported_algorithm');
}

function checkAlgorithm(algorithm: KeyAlgorithm): void {
  if (algorithm !== 'ecdsa-p256-sha256') throw new ValidationError(`PKCS#11 keys support ecdsa-p256-sha256 only, not ${String(algorithm)}`, {}, 'unsupported_algorithm');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
