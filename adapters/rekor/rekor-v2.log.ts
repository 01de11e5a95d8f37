import type { KeyObject } from 'node:crypto';
import { spkiDer } from '../../domain/shared/key-cache';
import { sha256 } from '../../domain/shared/sha256';
import { consistencyProof, inclusionProof, kindVersionOf, paeOf, tlogEntryFromRekorV2, type TlogEntry, type TreeReader } from '../../domain/transparency';
import { TILE_WIDTH } from '../../domain/tlog/tile-path';
import type { DsseEnvelope } from '../../domain/signing/dsse-envelope';
import { ConflictError, NotFoundError, ValidationError } from '../../src/errors/app-error';
import type { LogCheckpoint, LoggedEntry, SubmittedEntry, TransparencyLog } from '../../src/ports/transparency-log';
import { LogVerifier, noteOf, submissionOf, type Submission } from './log-verification';
import { resilientHttp } from './rekor.http';
import type { RekorLogOptions } from './rekor-v1.log';
import { RekorV2Api } from './rekor-v2.api';
import { type Resilience } from './resilience';
import { buildFromTiles, parseEntryBundle, type TileSource } from './tile-tree';

export interface RekorV2LogOptions extends RekorLogOptions {
  /** Timeout of a write, which Rekor v2 answers only once a checkpoint covers the entry. At least 20 s; default 30 s. */
  readonly writeTimeoutMs?: number;
}

const HASHEDREKORD_V002 = { kind: 'hashedrekord', version: '0.0.2' } as const;
const MIN_WRITE_TIMEOUT_MS = 20_000;

/**
 * A Rekor v2 log. v2 takes no DSSE entries: an envelope is logged as a
 * hashedrekord whose digest is SHA-256(PAE(payloadType, payload)) and whose
 * signature is the DSSE signature. Reads go through C2SP tlog-tiles; proofs
 * built from tiles are believed only once they verify against a checkpoint
 * signed by the configured log key.
 */
export class RekorV2Log implements TransparencyLog {
  readonly id: string;
  private readonly api: RekorV2Api;
  private readonly resilience: Resilience;
  private readonly verify: LogVerifier;
  private readonly tiles: TileSource;

  constructor(options: RekorV2LogOptions) {
    this.id = options.id ?? `rekor-v2:${options.trust.keyName}`;
    const { http, resilience } = resilientHttp(this.id, options);
    this.resilience = resilience;
    this.api = new RekorV2Api(http, Math.max(MIN_WRITE_TIMEOUT_MS, options.writeTimeoutMs ?? 30_000));
    this.verify = new LogVerifier(this.id, options.trust, 'v2');
    this.tiles = { hashTile: (level, index, width) => this.api.getHashTile(level, index, width) };
  }

  get breakerOpen(): boolean {
    return this.resilience.isOpen;
  }

  async submitDsse(envelope: DsseEnvelope, signerPublicKeyPem: string): Promise<SubmittedEntry> {
    const submission = submissionOf(envelope, signerPublicKeyPem);
    const answer = await this.api.createHashedRekord({
      digest: sha256(paeOf(submission.content.dsseEnvelope)),
      signature: submission.content.dsseEnvelope.signatures[0]!.sig,
      publicKeyDer: spkiDer(submission.publicKey),
      keyDetails: keyDetailsOf(submission.publicKey),
    });
    if (answer.created) return { ...this.verified(answer.json, { submission }), created: true };
    if (answer.existing !== undefined) return { ...this.verified(answer.existing, { submission }), created: false };
    if (answer.existingIndex !== undefined) {
      // rekor-tiles names only the index: read that entry from the tiles, prove it, and check it is ours.
      const latest = await this.checkpoint();
      if (answer.existingIndex >= latest.checkpoint.size) {
        throw new NotFoundError(
          `transparency log ${this.id} holds this entry at index ${answer.existingIndex}, which its latest checkpoint (size ${latest.checkpoint.size}) does not cover yet; a later attempt reads it`,
          { log: this.id, logIndex: answer.existingIndex },
          'log_checkpoint_behind',
        );
      }
      const { entry, checkpoint } = await this.entryAt(answer.existingIndex, latest);
      this.verify.body(entry, submission, HASHEDREKORD_V002);
      return { ...this.verify.loggedEntry(entry, checkpoint), created: false };
    }
    throw new ConflictError(`transparency log ${this.id} already holds this entry but named neither the entry nor its index (${answer.detail})`, { log: this.id }, 'log_entry_exists');
  }

  /**
   * The entry at `logIndex`, read from the entry bundle and proven from hash
   * tiles against `at` (default: the latest checkpoint).
   */
  async getByIndex(logIndex: number, at?: LogCheckpoint | string): Promise<LoggedEntry> {
    if (!Number.isSafeInteger(logIndex) || logIndex < 0) throw new RangeError(`log index ${logIndex} is not a non-negative integer`);
    const { entry, checkpoint } = await this.entryAt(logIndex, at);
    return this.verify.loggedEntry(entry, checkpoint);
  }

  /** The entry at `logIndex` with its inclusion proof, verified against the checkpoint. */
  private async entryAt(logIndex: number, at?: LogCheckpoint | string): Promise<{ entry: TlogEntry; checkpoint: LogCheckpoint }> {
    const cp = at === undefined ? await this.checkpoint() : this.verify.checkpoint(noteOf(at));
    const size = cp.checkpoint.size;
    if (logIndex >= size) throw new NotFoundError(`transparency log ${this.id} has ${size} entries in its checkpoint, none at index ${logIndex}`, { log: this.id }, 'log_entry_not_found');
    const bundleIndex = Math.floor(logIndex / TILE_WIDTH);
    const width = Math.min(TILE_WIDTH, size - bundleIndex * TILE_WIDTH);
    const entries = parseEntryBundle(await this.api.getEntryBundle(bundleIndex, width));
    if (!entries || entries.length < width) throw this.verify.fail('format', `entry bundle ${bundleIndex} is malformed or holds fewer than ${width} entries`);
    const body = entries[logIndex - bundleIndex * TILE_WIDTH]!;
    const kv = kindVersionOf(body);
    if (!kv.ok) throw this.verify.fail('format', kv.reason);
    const hashes = await this.fromTiles(size, (tree) => inclusionProof(tree, logIndex, size));
    const entry: TlogEntry = {
      logIndex,
      logId: this.verify.trust.logId,
      kind: kv.value.kind,
      version: kv.value.version,
      integratedTime: 0,
      inclusionProof: { logIndex, rootHash: cp.checkpoint.rootHash, treeSize: size, hashes, checkpoint: cp.note },
      canonicalizedBody: body,
    };
    return { entry, checkpoint: this.verify.inclusion(entry) };
  }

  async checkpoint(): Promise<LogCheckpoint> {
    return this.verify.checkpoint(await this.api.getCheckpoint());
  }

  async consistency(older: LogCheckpoint | string, newer?: LogCheckpoint | string): Promise<LogCheckpoint> {
    const a = this.verify.checkpoint(noteOf(older));
    const b = newer === undefined ? await this.checkpoint() : this.verify.checkpoint(noteOf(newer));
    const [size1, size2] = [a.checkpoint.size, b.checkpoint.size];
    const proof = size1 > 0 && size1 < size2 ? await this.fromTiles(size2, (tree) => consistencyProof(tree, size1, size2)) : undefined;
    this.verify.consistency(a, b, proof);
    return b;
  }

  close(): void {
    this.resilience.close();
  }

  private async fromTiles(size: number, build: (tree: TreeReader) => Buffer[]): Promise<Buffer[]> {
    try {
      return await buildFromTiles(size, this.tiles, build);
    } catch (error) {
      if (error instanceof RangeError) throw this.verify.fail('tiles', error.message, error);
      throw error;
    }
  }

  private verified(json: unknown, expect: { submission: Submission }): LoggedEntry {
    const parsed = tlogEntryFromRekorV2(json);
    if (!parsed.ok) throw this.verify.fail('format', parsed.reason);
    const entry = parsed.value;
    this.verify.logId(entry);
    if (entry.inclusionProof?.logIndex !== entry.logIndex) throw this.verify.fail('log-index', 'the inclusion proof is for another index than the entry');
    const checkpoint = this.verify.inclusion(entry);
    this.verify.body(entry, expect.submission, HASHEDREKORD_V002);
    return this.verify.loggedEntry(entry, checkpoint);
  }
}

/**
 * Rekor v2 key details for a DSSE signer. Only keys whose signatures are over
 * SHA-256 can be logged with a SHA-256(PAE) digest; v2 has no pure Ed25519.
 */
export function keyDetailsOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'PKIX_ECDSA_P256_SHA_256';
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (bits === 2048 || bits === 3072 || bits === 4096) return `PKIX_RSA_PKCS1V15_${bits}_SHA256`;
  }
  const what = key.asymmetricKeyType === 'ec' ? `ECDSA ${key.asymmetricKeyDetails?.namedCurve ?? ''}` : (key.asymmetricKeyType ?? 'unknown');
  throw new ValidationError(
    `a ${what} key cannot be logged in Rekor v2 as hashedrekord over SHA-256(PAE): use ECDSA P-256 or RSA 2048/3072/4096 (Rekor v2 takes Ed25519ph, not the pure Ed25519 DSSE uses)`,
    {},
    'unsupported_key_for_log',
  );
}
