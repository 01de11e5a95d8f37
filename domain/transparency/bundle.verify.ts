import type { KeyObject } from 'node:crypto';
import { RFC3161Timestamp } from '@sigstore/core';
import { parseBundle, parseBundleJson, type Bundle } from './bundle';
import { verifyArtifact, verifyContentSignature } from './bundle-content.verify';
import { bundleSigner } from './bundle-signer';
import { fail, ok, type Result } from './result';
import { verifyCertificateAndTimestamps } from './sigstore-js.delegate';
import { hasSet, verifyTlogEntry, type TlogEntryContext, type TlogVerificationCache } from './tlog-entry.verify';
import { parseTrustedRoot, type TrustedRoot } from './trusted-root';
import { checkList, verdictOf, type Verdict } from './verification-check';

export interface VerifyBundleOptions {
  /** The trusted root as JSON (parsed value or text). */
  readonly trustedRoot: unknown;
  /** The signed artifact: required for message signatures, optional for DSSE (then matched against in-toto subjects). */
  readonly artifact?: Uint8Array;
  /** The key for bundles signed with a managed key (verificationMaterial.publicKey). */
  readonly publicKey?: KeyObject;
  /** Expected certificate SAN (exact match) for keyless bundles. */
  readonly identity?: string;
  /** Expected OIDC issuer (exact match) for keyless bundles. */
  readonly issuer?: string;
  /** Used only to pick log keys when the bundle carries no time at all. */
  readonly now?: Date;
}

/**
 * Verifies a Sigstore bundle offline. Transparency-log checks (inclusion
 * proof, checkpoint, root hash, SET, entry body, log key validity) are ours;
 * certificate chain, SCTs and RFC 3161 timestamps are delegated to
 * sigstore-js. Returns every check by name; `verified` only if all passed.
 */
export function verifyBundle(input: unknown, options: VerifyBundleOptions): Verdict {
  return verifyBundleWith(input, options.artifact, options, { trustedRoot: () => parseTrustedRoot(typeof options.trustedRoot === 'string' ? safeJson(options.trustedRoot) : options.trustedRoot) });
}

/** How `verifyBundleWith` gets what does not depend on the bundle. */
export interface BundleVerification {
  /** The trusted root, read (or handed over, when read before) once the bundle has parsed. */
  readonly trustedRoot: () => Result<TrustedRoot>;
  /** Verifications remembered from earlier bundles (`BundleBatchVerifier`). */
  readonly cache?: TlogVerificationCache;
  /**
   * For a managed-key bundle with no RFC 3161 timestamp and exactly one tlog
   * entry carrying a SET, do not delegate to sigstore-js: there it would only
   * re-verify the envelope signature (checked here) and count the entry's
   * integrated time as the one required timestamp (the SET check verifies
   * it). `BundleBatchVerifier` sets this and re-verifies any bundle that fails
   * without it, so verdicts keep `verifyBundle`'s reasons.
   */
  readonly setCoversTimestamps?: boolean;
}

/** `verifyBundle`'s checks, in its order and with its names, given the trusted root and (optionally) caches. */
export function verifyBundleWith(input: unknown, artifact: Uint8Array | undefined, options: Omit<VerifyBundleOptions, 'trustedRoot' | 'artifact'>, how: BundleVerification): Verdict {
  const { checks, add } = checkList();

  const parsed = typeof input === 'string' ? parseBundleJson(input) : parseBundle(input);
  add('bundle.parse', parsed);
  if (!parsed.ok) return verdictOf(checks);
  const bundle = parsed.value;

  const root = how.trustedRoot();
  add('trusted-root.parse', root);
  if (!root.ok) return verdictOf(checks);

  const signer = bundleSigner(bundle, options.publicKey);
  add('signer', signer);

  const entries = bundle.verificationMaterial.tlogEntries;
  add('tlog.present', entries.length > 0 ? OK : fail('bundle has no transparency log entry'));
  const timestamps = timestampTimes(bundle);
  const context: TlogEntryContext = {
    trustedRoot: root.value,
    content: bundle.content,
    signer,
    fallbackTimes: timestamps.length > 0 ? timestamps : [options.now ?? new Date()],
    cache: how.cache,
  };
  entries.forEach((entry, i) => verifyTlogEntry(checks, entry, entries.length === 1 ? 'tlog' : `tlog[${i}]`, context));

  if (signer.ok) {
    add('signature', verifyContentSignature(bundle.content, signer.value.publicKey, artifact));
  }
  const artifactCheck = verifyArtifact(bundle.content, artifact);
  add('artifact', artifactCheck, artifactCheck.ok ? artifactCheck.value : undefined);

  if (signer.ok) {
    if (how.setCoversTimestamps && signer.value.$case === 'publicKey' && bundle.verificationMaterial.rfc3161Timestamps.length === 0 && entries.length === 1 && hasSet(entries[0])) {
      add('timestamps', OK, 'the tlog entry integrated time, covered by its verified SET');
    } else {
      const delegated = verifyCertificateAndTimestamps(bundle, root.value, signer.value, artifact);
      // With a managed key only the timestamps are left to check; with a certificate, its chain and SCTs too.
      add(signer.value.$case === 'publicKey' ? 'timestamps' : 'certificate-and-timestamps', delegated, 'delegated to @sigstore/verify');
      if (signer.value.$case === 'certificate' && (options.identity !== undefined || options.issuer !== undefined)) {
        add('identity', delegated.ok ? matchIdentity(delegated.value, options) : fail('certificate was not verified'));
      }
    }
  }
  return verdictOf(checks);
}

const OK = ok(undefined);

/** Exact match of the certificate's identity and issuer against the policy (shared with the batch verifier). */
export function matchIdentity(actual: { subjectAlternativeName?: string; issuer?: string }, expected: Pick<VerifyBundleOptions, 'identity' | 'issuer'>): Result<void> {
  if (expected.identity !== undefined && actual.subjectAlternativeName !== expected.identity) {
    return { ok: false, reason: `certificate identity is ${actual.subjectAlternativeName ?? 'missing'}, expected ${expected.identity}` };
  }
  if (expected.issuer !== undefined && actual.issuer !== expected.issuer) {
    return { ok: false, reason: `certificate issuer is ${actual.issuer ?? 'missing'}, expected ${expected.issuer}` };
  }
  return { ok: true, value: undefined };
}

/** Signing times claimed by the bundle's RFC 3161 timestamps (their signatures are checked by the delegate). */
export function timestampTimes(bundle: Bundle): Date[] {
  const times: Date[] = [];
  for (const ts of bundle.verificationMaterial.rfc3161Timestamps) {
    try {
      times.push(RFC3161Timestamp.parse(Buffer.from(ts)).signingTime);
    } catch {
      // A malformed timestamp fails in the delegated check; it gives no time here.
    }
  }
  return times;
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
