import { createPublicKey, type KeyObject } from 'node:crypto';
import { sha256 } from '../shared/sha256';
import { parseBundle, parseBundleJson, type BundleContent, type TlogEntry } from './bundle';
import { verifyArtifact, verifyContentSignature } from './bundle-content.verify';
import { bundleSigner, keyFromPem, type BundleSigner } from './bundle-signer';
import { matchIdentity, safeJson, timestampTimes, verifyBundle, type VerifyBundleOptions } from './bundle.verify';
import { bytesEqual } from './bytes';
import { openCheckpoint, type Checkpoint } from './checkpoint';
import { leafHash } from './merkle.hash';
import { rootFromInclusionProof } from './merkle.inclusion';
import { noteVerifierFor, type NoteVerifier } from './note-key';
import { parseEntryBody, type EntryBody, type SignerRef } from './rekor-body';
import { verifyEntrySet } from './rekor-set';
import { fail, ok, type Result } from './result';
import { verifyCertificateAndTimestamps } from './sigstore-js.delegate';
import { paeOf } from './tlog-body.match';
import { findTransparencyLog, parseTrustedRoot, type TransparencyLog, type TrustedRoot } from './trusted-root';
import { checkList, checkOf, verdictOf, type Check, type Verdict } from './verification-check';

export interface BatchVerifyOptions extends Omit<VerifyBundleOptions, 'artifact'> {
  /** Verified checkpoints kept (least recently used dropped first). Default 1024. */
  readonly checkpointCacheSize?: number;
}

/**
 * Verifies many bundles against one trusted root and one set of options, with
 * the same checks as `verifyBundle`, doing once what does not depend on the
 * bundle:
 *
 * - the trusted root is parsed once, and each log's checkpoint verifier built once;
 * - a checkpoint (its signed-note text, per log) is verified once and the
 *   result cached, so bundles proven against the same checkpoint share one
 *   signature verification;
 * - the signer's key and each verifier PEM/DER found in entry bodies are
 *   decoded once, so matching an entry body to the bundle compares bytes;
 * - for a managed-key bundle with no RFC 3161 timestamp and exactly one tlog
 *   entry carrying a SET, the step delegated to sigstore-js is not run: there
 *   it would only re-verify the envelope signature (already checked) and count
 *   the entry's integrated time as the one required timestamp (the SET check
 *   has verified that time). Every other bundle is delegated as before.
 *
 * A bundle this fast path does not verify is verified again with
 * `verifyBundle`, so a rejected bundle gets exactly the verdict and reasons
 * `verifyBundle` gives. Not safe for concurrent use from several threads (one
 * instance per worker).
 */
export class BundleBatchVerifier {
  private readonly root: Result<TrustedRoot>;
  private readonly noteVerifiers = new Map<TransparencyLog, Result<NoteVerifier>>();
  /** Verified checkpoints by log, then by note text; least recently used first. */
  private readonly checkpoints = new Map<TransparencyLog, Map<string, Result<Checkpoint>>>();
  private checkpointCount = 0;
  private readonly checkpointCacheSize: number;
  /** Verifier keys found in entry bodies, decoded once: PEM texts (Rekor v1) and base64 DER (Rekor v2). */
  private readonly pemKeys = new Map<string, Result<DecodedVerifier>>();
  private readonly derKeys = new Map<string, Result<DecodedVerifier>>();
  private readonly signerSpki = new WeakMap<KeyObject, Buffer>();

  constructor(private readonly options: BatchVerifyOptions) {
    this.root = parseTrustedRoot(typeof options.trustedRoot === 'string' ? safeJson(options.trustedRoot) : options.trustedRoot);
    if (this.root.ok) for (const log of this.root.value.tlogs) this.noteVerifiers.set(log, noteVerifierFor(log.keyName, log.publicKey));
    this.checkpointCacheSize = Math.max(1, options.checkpointCacheSize ?? 1024);
  }

  /** The verdict `verifyBundle(input, { ...options, artifact })` would give (see the class comment for the one check whose note differs). */
  verify(input: unknown, artifact?: Uint8Array): Verdict {
    const fast = this.fastVerify(input, artifact);
    if (fast.verified) return fast;
    const { checkpointCacheSize: _unused, ...options } = this.options;
    return verifyBundle(input, artifact === undefined ? options : { ...options, artifact });
  }

  private fastVerify(input: unknown, artifact: Uint8Array | undefined): Verdict {
    const { checks, add } = checkList();
    const parsed = typeof input === 'string' ? parseBundleJson(input) : parseBundle(input);
    add('bundle.parse', parsed);
    if (!parsed.ok) return verdictOf(checks);
    const bundle = parsed.value;
    add('trusted-root.parse', this.root);
    if (!this.root.ok) return verdictOf(checks);
    const root = this.root.value;

    const signer = bundleSigner(bundle, this.options.publicKey);
    add('signer', signer);
    const entries = bundle.verificationMaterial.tlogEntries;
    add('tlog.present', entries.length > 0 ? ok(undefined) : fail('bundle has no transparency log entry'));
    const fallbackTimes = timestampTimes(bundle);
    entries.forEach((entry, i) => {
      checks.push(
        ...this.tlogEntryChecks(entry, root, bundle.content, signer, fallbackTimes.length > 0 ? fallbackTimes : [this.options.now ?? new Date()], entries.length === 1 ? 'tlog' : `tlog[${i}]`),
      );
    });

    if (signer.ok) add('signature', verifyContentSignature(bundle.content, signer.value.publicKey, artifact));
    const artifactCheck = verifyArtifact(bundle.content, artifact);
    add('artifact', artifactCheck, artifactCheck.ok ? artifactCheck.value : undefined);

    if (signer.ok) {
      const onlyTheSet = signer.value.$case === 'publicKey' && bundle.verificationMaterial.rfc3161Timestamps.length === 0 && entries.length === 1 && hasSet(entries[0]);
      if (onlyTheSet) {
        add('timestamps', ok(undefined), 'the tlog entry integrated time, covered by its verified SET');
      } else {
        const delegated = verifyCertificateAndTimestamps(bundle, root, signer.value, artifact);
        add(signer.value.$case === 'publicKey' ? 'timestamps' : 'certificate-and-timestamps', delegated, 'delegated to @sigstore/verify');
        if (signer.value.$case === 'certificate' && (this.options.identity !== undefined || this.options.issuer !== undefined)) {
          add('identity', delegated.ok ? matchIdentity(delegated.value, this.options) : fail('certificate was not verified'));
        }
      }
    }
    return verdictOf(checks);
  }

  /** The checks of `verifyTlogEntry`, with the checkpoint verification cached and the body matched with decoded keys. */
  private tlogEntryChecks(entry: TlogEntry, root: TrustedRoot, content: BundleContent, signer: Result<BundleSigner>, fallbackTimes: readonly Date[], label: string): Check[] {
    const checks: Check[] = [];
    const add = (name: TlogCheckName, result: Result<unknown>, note?: string): void => {
      checks.push(checkOf(label === 'tlog' ? SINGLE_ENTRY_CHECK_NAMES[name] : `${label}.${name}`, result, note));
    };

    const times = hasSet(entry) ? [new Date(entry.integratedTime * 1000)] : fallbackTimes;
    const log = findTransparencyLog(root, entry.logId, times);
    add('log-key', log);

    const body = parseEntryBody(entry.canonicalizedBody, entry.kind, entry.version);
    if (!body.ok) add('body', body);
    else if (!signer.ok) add('body', fail(`cannot compare the entry's signer: ${signer.reason}`));
    else add('body', this.matchEntryBody(body.value, content, signer.value));

    const proof = entry.inclusionProof;
    if (!proof) {
      add('inclusion-proof', ok(undefined), 'absent; a v0.1 bundle relies on the signed entry timestamp');
    } else {
      const computed = rootFromInclusionProof({ leafIndex: proof.logIndex, treeSize: proof.treeSize, hashes: proof.hashes }, leafHash(entry.canonicalizedBody));
      if (!computed.ok) add('inclusion-proof', computed);
      else if (!bytesEqual(computed.value, proof.rootHash)) add('inclusion-proof', fail('proof does not lead from the entry to its root hash'));
      else add('inclusion-proof', ok(undefined), `leaf ${proof.logIndex} of ${proof.treeSize}`);
    }

    if (proof?.checkpoint === undefined) {
      add('checkpoint', ok(undefined), 'absent; a v0.1 bundle relies on the signed entry timestamp');
    } else {
      const checkpoint = log.ok ? this.checkpoint(proof.checkpoint, log.value) : fail<Checkpoint>('no trusted log key to check it with');
      add('checkpoint', checkpoint);
      if (checkpoint.ok) {
        const cp = checkpoint.value;
        if (cp.size !== proof.treeSize) add('root-hash', fail(`checkpoint is for size ${cp.size}, proof for ${proof.treeSize}`));
        else if (!bytesEqual(cp.rootHash, proof.rootHash)) add('root-hash', fail('checkpoint root hash differs from the proof root hash'));
        else add('root-hash', ok(undefined), `size ${cp.size}`);
      } else {
        add('root-hash', fail('no verified checkpoint to compare with'));
      }
    }

    if (!entry.signedEntryTimestamp) {
      add('set', ok(undefined), 'absent; the entry is proven by its inclusion proof');
    } else if (!log.ok) {
      add('set', fail('no trusted log key to check it with'));
    } else {
      if (verifyEntrySet(entry, entry.signedEntryTimestamp, log.value.publicKey)) add('set', ok(undefined), `integrated at ${entry.integratedTime}`);
      else add('set', fail('signed entry timestamp does not verify'));
    }
    return checks;
  }

  /** A checkpoint's verification, once per log and note text. */
  private checkpoint(envelope: string, log: TransparencyLog): Result<Checkpoint> {
    let ofLog = this.checkpoints.get(log);
    if (ofLog === undefined) {
      ofLog = new Map();
      this.checkpoints.set(log, ofLog);
    }
    const cached = ofLog.get(envelope);
    if (cached !== undefined) {
      ofLog.delete(envelope);
      ofLog.set(envelope, cached);
      return cached;
    }
    const verifier = this.noteVerifiers.get(log) ?? noteVerifierFor(log.keyName, log.publicKey);
    let result: Result<Checkpoint>;
    if (!verifier.ok) result = verifier;
    else {
      const opened = openCheckpoint(envelope, [verifier.value]);
      result = opened.ok ? ok(opened.value.checkpoint) : opened;
    }
    ofLog.set(envelope, result);
    if (++this.checkpointCount > this.checkpointCacheSize) {
      // Over the limit: drop the oldest checkpoint of the log holding the most (logs are few), so
      // one busy log cannot keep every other log's checkpoints out of the cache.
      let fullest = ofLog;
      for (const m of this.checkpoints.values()) if (m.size > fullest.size) fullest = m;
      const oldest = fullest.keys().next();
      if (!oldest.done) {
        fullest.delete(oldest.value);
        this.checkpointCount--;
      }
    }
    return result;
  }

  /** `matchEntryBody` (tlog-body.match.ts), comparing keys as cached DER bytes. */
  private matchEntryBody(body: EntryBody, content: BundleContent, signer: BundleSigner): Result<void> {
    switch (body.$case) {
      case 'hashedrekord': {
        const signed =
          content.$case === 'messageSignature'
            ? { digest: content.messageSignature.messageDigest.digest, signature: content.messageSignature.signature }
            : { digest: sha256(paeOf(content.dsseEnvelope)), signature: content.dsseEnvelope.signatures[0]?.sig ?? Buffer.alloc(0) };
        if (!bytesEqual(body.digest, signed.digest)) return fail('entry digest does not match the bundle');
        if (!bytesEqual(body.signature, signed.signature)) return fail('entry signature does not match the bundle signature');
        return this.signerMatches(body.signer, signer);
      }
      case 'dsse':
      case 'intoto': {
        if (content.$case !== 'dsseEnvelope') return fail(`a ${body.$case} entry cannot log a message signature`);
        const envelope = content.dsseEnvelope;
        if (body.signatures.length !== 1) return fail('entry and envelope have different numbers of signatures');
        const [logged] = body.signatures;
        if (!logged || !bytesEqual(logged.signature, envelope.signatures[0]?.sig ?? Buffer.alloc(0))) return fail('entry signature does not match the envelope signature');
        if (!bytesEqual(body.payloadHash, sha256(envelope.payload))) return fail('entry payload hash does not match the envelope payload');
        if (body.$case === 'intoto' && (!bytesEqual(body.payload, envelope.payload) || body.payloadType !== envelope.payloadType)) {
          return fail('logged envelope differs from the bundle envelope');
        }
        return this.signerMatches(logged.signer, signer);
      }
    }
  }

  private signerMatches(ref: SignerRef, signer: BundleSigner): Result<void> {
    const mismatch = fail<void>('entry was signed by a different certificate or key than the bundle');
    switch (ref.$case) {
      case 'x509Certificate':
        return signer.$case === 'certificate' && bytesEqual(ref.der, signer.der) ? ok(undefined) : mismatch;
      case 'publicKey': {
        const decoded = this.verifierKey(this.derKeys, ref.der.toString('base64'), () => spkiOfDer(ref.der));
        return decoded.ok && decoded.value.spki !== undefined && this.sameKey(decoded.value.spki, signer) ? ok(undefined) : mismatch;
      }
      case 'pem': {
        const decoded = this.verifierKey(this.pemKeys, ref.pem, () => {
          const parsed = keyFromPem(ref.pem);
          if (!parsed.ok) return parsed;
          if (parsed.value.certificateDer) return ok({ certificateDer: parsed.value.certificateDer });
          return ok({ spki: parsed.value.publicKey.export({ format: 'der', type: 'spki' }) });
        });
        if (!decoded.ok) return fail(`entry verifier: ${decoded.reason}`);
        if (decoded.value.certificateDer) return signer.$case === 'certificate' && bytesEqual(decoded.value.certificateDer, signer.der) ? ok(undefined) : mismatch;
        return decoded.value.spki !== undefined && this.sameKey(decoded.value.spki, signer) ? ok(undefined) : mismatch;
      }
    }
  }

  private verifierKey(cache: Map<string, Result<DecodedVerifier>>, text: string, decode: () => Result<DecodedVerifier>): Result<DecodedVerifier> {
    let decoded = cache.get(text);
    if (decoded === undefined) {
      decoded = decode();
      if (cache.size >= 4096) cache.clear();
      cache.set(text, decoded);
    }
    return decoded;
  }

  private sameKey(spki: Buffer, signer: BundleSigner): boolean {
    if (signer.$case !== 'publicKey') return false;
    let mine = this.signerSpki.get(signer.publicKey);
    if (mine === undefined) {
      mine = signer.publicKey.export({ format: 'der', type: 'spki' });
      this.signerSpki.set(signer.publicKey, mine);
    }
    return bytesEqual(spki, mine);
  }
}

/** Verifies each bundle with one `BundleBatchVerifier`. */
export function verifyBundles(inputs: readonly unknown[], options: BatchVerifyOptions, artifacts?: readonly (Uint8Array | undefined)[]): Verdict[] {
  const verifier = new BundleBatchVerifier(options);
  return inputs.map((input, i) => verifier.verify(input, artifacts?.[i]));
}

/** An entry body's verifier as bytes: a certificate, or a public key re-encoded the way node:crypto exports it. */
interface DecodedVerifier {
  readonly certificateDer?: Buffer;
  readonly spki?: Buffer;
}

type TlogCheckName = 'log-key' | 'body' | 'inclusion-proof' | 'checkpoint' | 'root-hash' | 'set';

/** The check names of a bundle's only entry, made once rather than per bundle. */
const SINGLE_ENTRY_CHECK_NAMES: Readonly<Record<TlogCheckName, string>> = {
  'log-key': 'tlog.log-key',
  body: 'tlog.body',
  'inclusion-proof': 'tlog.inclusion-proof',
  checkpoint: 'tlog.checkpoint',
  'root-hash': 'tlog.root-hash',
  set: 'tlog.set',
};

function hasSet(entry: TlogEntry | undefined): boolean {
  return entry !== undefined && entry.signedEntryTimestamp !== undefined && entry.integratedTime > 0;
}

/** A DER SPKI re-encoded the way node:crypto exports it (what `sameKey` in tlog-body.match.ts compares). */
function spkiOfDer(der: Buffer): Result<{ readonly spki: Buffer }> {
  try {
    return ok({ spki: createPublicKey({ key: der, format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' }) });
  } catch {
    return fail('not a DER public key');
  }
}


