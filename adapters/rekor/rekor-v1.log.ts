import { z } from 'zod';
import { decodeHex } from '../../domain/transparency/bytes';
import { entryUuid, rekorV1EntryFromResponse, verifySet } from '../../domain/transparency';
import type { DsseEnvelope } from '../../domain/signing/dsse-envelope';
import type { LogCheckpoint, LoggedEntry, SubmittedEntry, TransparencyLog } from '../../src/ports/transparency-log';
import type { LogTrust } from './log-trust';
import { LogVerifier, noteOf, submissionOf, type Submission } from './log-verification';
import { resilientHttp } from './rekor.http';
import { RekorV1Api } from './rekor-v1.api';
import { type Resilience, type BreakerPolicy, type RetryPolicy } from './resilience';

export interface RekorLogOptions {
  /** Where the log is reached, e.g. https://rekor.sigstore.dev or http://127.0.0.1:3000. */
  readonly url: string;
  /** The log's key and identity (trustFromTrustedRoot / trustFromPublicKey). */
  readonly trust: LogTrust;
  /** `TransparencyLog.id`; default `rekor-<api>:<key name>`. */
  readonly id?: string;
  /** Per-attempt timeout. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly breaker?: Partial<BreakerPolicy>;
  readonly userAgent?: string;
  /** Test seam for the backoff sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told of every retry the client makes on its own (for metrics). */
  readonly onRetry?: (info: { operation: string; attempt: number; delayMs: number }) => void;
}

const logInfoSchema = z.object({
  rootHash: z.string(),
  treeSize: z.number().int().nonnegative(),
  signedTreeHead: z.string().min(1),
});
const proofSchema = z.object({ rootHash: z.string(), hashes: z.array(z.string()) });

const DSSE_V001 = { kind: 'dsse', version: '0.0.1' } as const;

/**
 * A Rekor v1 log: dsse entries in, verified entries out. Every entry it
 * returns has passed: UUID = leaf hash of the body, log ID of the configured
 * log, SET under the log key, inclusion proof to a checkpoint signed by the
 * log key, and (for submissions) a body that records exactly the envelope's
 * signature, payload and key.
 */
export class RekorV1Log implements TransparencyLog {
  readonly id: string;
  private readonly api: RekorV1Api;
  private readonly resilience: Resilience;
  private readonly verify: LogVerifier;

  constructor(options: RekorLogOptions) {
    this.id = options.id ?? `rekor-v1:${options.trust.keyName}`;
    const { http, resilience } = resilientHttp(this.id, options);
    this.resilience = resilience;
    this.api = new RekorV1Api(http);
    this.verify = new LogVerifier(this.id, options.trust, 'v1');
  }

  /** True while this log's breaker fails fast. */
  get breakerOpen(): boolean {
    return this.resilience.isOpen;
  }

  async submitDsse(envelope: DsseEnvelope, signerPublicKeyPem: string): Promise<SubmittedEntry> {
    const submission = submissionOf(envelope, signerPublicKeyPem);
    const answer = await this.api.createDsseEntry(JSON.stringify(submission.envelope), signerPublicKeyPem);
    if (answer.created) return { ...this.verified(answer.json, { submission }), created: true };
    // Already logged: the existing entry must be the one we would have made.
    const existing = await this.api.getEntry(answer.existingId);
    return { ...this.verified(existing, { submission, uuid: answer.existingId.slice(-64) }), created: false };
  }

  async getByUuid(uuid: string): Promise<LoggedEntry> {
    const id = uuid.toLowerCase();
    return this.verified(await this.api.getEntry(id), { uuid: id.slice(-64) });
  }

  async getByIndex(logIndex: number): Promise<LoggedEntry> {
    if (!Number.isSafeInteger(logIndex) || logIndex < 0) throw new RangeError(`log index ${logIndex} is not a non-negative integer`);
    return this.verified(await this.api.getEntryByIndex(logIndex), { logIndex });
  }

  async checkpoint(): Promise<LogCheckpoint> {
    const info = logInfoSchema.safeParse(await this.api.getLogInfo());
    if (!info.success) throw this.verify.fail('format', 'log info is not {rootHash, treeSize, signedTreeHead}');
    const cp = this.verify.checkpoint(info.data.signedTreeHead);
    const root = decodeHex(info.data.rootHash);
    if (cp.checkpoint.size !== info.data.treeSize || !root || !root.equals(cp.checkpoint.rootHash)) {
      throw this.verify.fail('root-hash', 'log info disagrees with its own signed tree head');
    }
    return cp;
  }

  async consistency(older: LogCheckpoint | string, newer?: LogCheckpoint | string): Promise<LogCheckpoint> {
    const a = this.verify.checkpoint(noteOf(older));
    const b = newer === undefined ? await this.checkpoint() : this.verify.checkpoint(noteOf(newer));
    let hashes: Buffer[] | undefined;
    if (a.checkpoint.size > 0 && a.checkpoint.size < b.checkpoint.size) {
      const proof = proofSchema.safeParse(await this.api.getConsistencyProof(a.checkpoint.size, b.checkpoint.size));
      if (!proof.success) throw this.verify.fail('format', 'consistency proof is not {rootHash, hashes}');
      const decoded = proof.data.hashes.map(decodeHex);
      if (decoded.some((h) => h === undefined)) throw this.verify.fail('format', 'consistency proof hashes are not hex');
      hashes = decoded as Buffer[];
    }
    this.verify.consistency(a, b, hashes);
    return b;
  }

  close(): void {
    this.resilience.close();
  }

  private verified(json: unknown, expect: { submission?: Submission; uuid?: string; logIndex?: number }): LoggedEntry {
    const parsed = rekorV1EntryFromResponse(json);
    if (!parsed.ok) throw this.verify.fail('format', parsed.reason);
    const { entry } = parsed.value;
    const uuid = entryUuid(entry.canonicalizedBody);
    if (parsed.value.uuid !== uuid) throw this.verify.fail('uuid', `entry is served as ${parsed.value.uuid} but its body hashes to ${uuid}`);
    if (expect.uuid !== undefined && expect.uuid !== uuid) throw this.verify.fail('uuid', `asked for ${expect.uuid}, got ${uuid}`);
    if (expect.logIndex !== undefined && entry.logIndex !== expect.logIndex) throw this.verify.fail('log-index', `asked for index ${expect.logIndex}, got ${entry.logIndex}`);
    this.verify.logId(entry);
    if (!entry.signedEntryTimestamp) throw this.verify.fail('set', 'entry has no signed entry timestamp');
    const setPayload = { body: entry.canonicalizedBody.toString('base64'), integratedTime: entry.integratedTime, logID: entry.logId.toString('hex'), logIndex: entry.logIndex };
    if (!verifySet(setPayload, entry.signedEntryTimestamp, this.verify.trust.publicKey)) throw this.verify.fail('set', 'signed entry timestamp does not verify with the log key');
    const checkpoint = this.verify.inclusion(entry);
    if (expect.submission) this.verify.body(entry, expect.submission, DSSE_V001);
    return this.verify.loggedEntry(entry, checkpoint, { integratedTime: entry.integratedTime, set: entry.signedEntryTimestamp });
  }
}
