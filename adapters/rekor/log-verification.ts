import type { KeyObject } from 'node:crypto';
import { publicKeyFromPem } from '../../domain/shared/key-cache';
import {
  entryUuid,
  leafHash,
  matchEntryBody,
  openCheckpoint,
  parseEntryBody,
  verifyConsistency,
  verifyInclusion,
  type BundleContent,
  type TlogEntry,
} from '../../domain/transparency';
import { readDsseBase64 } from '../../domain/signing/dsse-base64';
import type { DsseEnvelope } from '../../domain/signing/dsse-envelope';
import { ValidationError } from '../../src/errors/app-error';
import type { LogCheckpoint, LoggedEntry } from '../../src/ports/transparency-log';
import type { LogTrust } from './log-trust';
import { UnverifiableLogResponseError } from './rekor.errors';

/**
 * The checks both Rekor clients run on what a log serves, built from the pure
 * domain verifiers. Each throws UnverifiableLogResponseError naming the check
 * that failed; none returns a half-trusted value.
 */

/** What was submitted, decoded once, to compare the logged body with. */
export interface Submission {
  /** The envelope as a log is sent it: payload and signature in canonical DSSE base64, whatever spelling it came in. */
  readonly envelope: DsseEnvelope;
  readonly content: BundleContent & { readonly $case: 'dsseEnvelope' };
  readonly publicKey: KeyObject;
}

/** Decodes and checks a DSSE envelope and its signer before it is sent anywhere. */
export function submissionOf(envelope: DsseEnvelope, signerPublicKeyPem: string): Submission {
  if (envelope.signatures.length !== 1) {
    throw new ValidationError(`a logged envelope must carry exactly one signature, this one has ${envelope.signatures.length}`, {}, 'invalid_envelope');
  }
  const [signature] = envelope.signatures;
  const payload = readDsseBase64(envelope.payload);
  const sig = readDsseBase64(signature?.sig ?? '');
  if (!payload.ok) throw new ValidationError(`envelope payload is not canonical base64: ${payload.reason}`, {}, 'invalid_envelope');
  if (payload.bytes.length === 0) throw new ValidationError('envelope payload is empty', {}, 'invalid_envelope');
  if (!sig.ok) throw new ValidationError(`signatures[0].sig is not canonical base64: ${sig.reason}`, {}, 'invalid_envelope');
  if (sig.bytes.length === 0) throw new ValidationError('signatures[0].sig is empty', {}, 'invalid_envelope');
  if (!envelope.payloadType) throw new ValidationError('envelope has no payloadType', {}, 'invalid_envelope');
  let publicKey: KeyObject;
  try {
    publicKey = publicKeyFromPem(signerPublicKeyPem);
  } catch {
    throw new ValidationError('signer public key is not a PEM public key', {}, 'invalid_public_key');
  }
  if (publicKey.type !== 'public') throw new ValidationError('signer key must be a public key', {}, 'invalid_public_key');
  return {
    // Rekor v1 logs the sig text as sent; in the canonical spelling, every reader of the entry body can read it.
    envelope: { ...envelope, payload: payload.canonical, signatures: [{ ...signature, sig: sig.canonical }] },
    content: { $case: 'dsseEnvelope', dsseEnvelope: { payload: payload.bytes, payloadType: envelope.payloadType, signatures: [{ keyid: signature?.keyid ?? '', sig: sig.bytes }] } },
    publicKey,
  };
}

export class LogVerifier {
  /** Checkpoints already verified: a batch of entries shares one, and its signature need be checked once. */
  private readonly verifiedNotes = new Map<string, LogCheckpoint>();

  constructor(
    readonly log: string,
    readonly trust: LogTrust,
    /** Rekor v1 checkpoint origins are `<key name> - <tree ID>`; v2 origins are the key name. */
    private readonly api: 'v1' | 'v2',
  ) {}

  fail(check: string, reason: string, cause?: unknown): UnverifiableLogResponseError {
    return new UnverifiableLogResponseError(this.log, check, reason, cause);
  }

  /** A signed note that is a checkpoint of this log, signed by its key. */
  checkpoint(note: string): LogCheckpoint {
    const known = this.verifiedNotes.get(note);
    if (known) return known;
    const verified = this.verifyCheckpoint(note);
    if (this.verifiedNotes.size >= 64) this.verifiedNotes.delete(this.verifiedNotes.keys().next().value!);
    this.verifiedNotes.set(note, verified);
    return verified;
  }

  private verifyCheckpoint(note: string): LogCheckpoint {
    const opened = openCheckpoint(note, [this.trust.verifier]);
    if (!opened.ok) throw this.fail('checkpoint', opened.reason);
    const origin = opened.value.checkpoint.origin;
    if (this.trust.origin !== undefined) {
      if (origin !== this.trust.origin) throw this.fail('checkpoint', `origin ${JSON.stringify(origin)} is not ${JSON.stringify(this.trust.origin)}`);
    } else if (this.api === 'v1' && !origin.startsWith(`${this.trust.keyName} - `)) {
      throw this.fail('checkpoint', `origin ${JSON.stringify(origin)} is not "${this.trust.keyName} - <tree ID>"`);
    }
    return { checkpoint: opened.value.checkpoint, note };
  }

  /** The entry's proof leads from its body to a root that a checkpoint signed by the log commits to. */
  inclusion(entry: TlogEntry): LogCheckpoint {
    const proof = entry.inclusionProof;
    if (!proof) throw this.fail('inclusion-proof', 'the entry carries no inclusion proof');
    if (proof.checkpoint === undefined) throw this.fail('checkpoint', 'the inclusion proof carries no checkpoint');
    const included = verifyInclusion({ leafIndex: proof.logIndex, treeSize: proof.treeSize, hashes: proof.hashes }, leafHash(entry.canonicalizedBody), proof.rootHash);
    if (!included.ok) throw this.fail('inclusion-proof', included.reason);
    const cp = this.checkpoint(proof.checkpoint);
    if (cp.checkpoint.size !== proof.treeSize) throw this.fail('root-hash', `checkpoint is for size ${cp.checkpoint.size}, the proof for ${proof.treeSize}`);
    if (!cp.checkpoint.rootHash.equals(proof.rootHash)) throw this.fail('root-hash', 'the checkpoint root differs from the proof root');
    return cp;
  }

  logId(entry: TlogEntry): void {
    if (!entry.logId.equals(this.trust.logId)) {
      throw this.fail('log-id', `entry is from log ${entry.logId.toString('hex')}, expected ${this.trust.logId.toString('hex')}`);
    }
  }

  /** The logged body records this submission: same signature, same payload (or PAE digest), same key. */
  body(entry: TlogEntry, submission: Submission, expected: { kind: string; version: string }): void {
    if (entry.kind !== expected.kind || entry.version !== expected.version) {
      throw this.fail('body', `entry is ${entry.kind}/${entry.version}, expected ${expected.kind}/${expected.version}`);
    }
    const body = parseEntryBody(entry.canonicalizedBody, entry.kind, entry.version);
    if (!body.ok) throw this.fail('body', body.reason);
    const matched = matchEntryBody(body.value, submission.content, { $case: 'publicKey', publicKey: submission.publicKey });
    if (!matched.ok) throw this.fail('body', matched.reason);
  }

  /** `newer` extends `older` (both already verified), given the proof the log sent. */
  consistency(older: LogCheckpoint, newer: LogCheckpoint, proof: readonly Buffer[] | undefined): void {
    const a = older.checkpoint;
    const b = newer.checkpoint;
    if (a.origin !== b.origin) throw this.fail('consistency', `checkpoints are of different trees (${JSON.stringify(a.origin)}, ${JSON.stringify(b.origin)})`);
    if (b.size < a.size) throw this.fail('consistency', `the newer checkpoint (size ${b.size}) is smaller than the older (size ${a.size})`);
    if (a.size === 0) return; // Every tree extends the empty tree.
    if (a.size === b.size) {
      if (!a.rootHash.equals(b.rootHash)) throw this.fail('consistency', `two checkpoints of size ${a.size} have different roots: the log forked`);
      return;
    }
    if (!proof) throw this.fail('consistency', 'no consistency proof');
    const consistent = verifyConsistency({ size1: a.size, size2: b.size, hashes: proof }, a.rootHash, b.rootHash);
    if (!consistent.ok) throw this.fail('consistency', consistent.reason);
  }

  loggedEntry(entry: TlogEntry, checkpoint: LogCheckpoint, extra: { integratedTime?: number; set?: Buffer } = {}): LoggedEntry {
    const proof = entry.inclusionProof!;
    return {
      log: this.log,
      uuid: entryUuid(entry.canonicalizedBody),
      logIndex: entry.logIndex,
      ...(extra.integratedTime === undefined ? {} : { integratedTime: extra.integratedTime }),
      inclusionProof: { logIndex: proof.logIndex, rootHash: proof.rootHash, treeSize: proof.treeSize, hashes: proof.hashes },
      checkpoint: checkpoint.note,
      ...(extra.set === undefined ? {} : { set: extra.set }),
      tlogEntry: entry,
    };
  }
}

/** A checkpoint argument as a note. */
export function noteOf(checkpoint: LogCheckpoint | string): string {
  return typeof checkpoint === 'string' ? checkpoint : checkpoint.note;
}
