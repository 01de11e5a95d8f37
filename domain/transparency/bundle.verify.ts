import type { KeyObject } from 'node:crypto';
import { RFC3161Timestamp } from '@sigstore/core';
import { parseBundle, parseBundleJson, type Bundle } from './bundle';
import { verifyArtifact, verifyContentSignature } from './bundle-content.verify';
import { bundleSigner } from './bundle-signer';
import type { Result } from './result';
import { verifyCertificateAndTimestamps } from './sigstore-js.delegate';
import { verifyTlogEntry } from './tlog-entry.verify';
import { parseTrustedRoot } from './trusted-root';
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
  const { checks, add } = checkList();

  const parsed = typeof input === 'string' ? parseBundleJson(input) : parseBundle(input);
  add('bundle.parse', parsed);
  if (!parsed.ok) return verdictOf(checks);
  const bundle = parsed.value;

  const root = parseTrustedRoot(typeof options.trustedRoot === 'string' ? safeJson(options.trustedRoot) : options.trustedRoot);
  add('trusted-root.parse', root);
  if (!root.ok) return verdictOf(checks);

  const signer = bundleSigner(bundle, options.publicKey);
  add('signer', signer);

  const entries = bundle.verificationMaterial.tlogEntries;
  add('tlog.present', entries.length > 0 ? { ok: true, value: undefined } : { ok: false, reason: 'bundle has no transparency log entry' });
  const fallbackTimes = timestampTimes(bundle);
  entries.forEach((entry, i) => {
    checks.push(
      ...verifyTlogEntry(entry, {
        trustedRoot: root.value,
        content: bundle.content,
        signer,
        fallbackTimes: fallbackTimes.length > 0 ? fallbackTimes : [options.now ?? new Date()],
        label: entries.length === 1 ? 'tlog' : `tlog[${i}]`,
      }),
    );
  });

  if (signer.ok) {
    add('signature', verifyContentSignature(bundle.content, signer.value.publicKey, options.artifact));
  }
  const artifact = verifyArtifact(bundle.content, options.artifact);
  add('artifact', artifact, artifact.ok ? artifact.value : undefined);

  if (signer.ok) {
    const delegated = verifyCertificateAndTimestamps(bundle, root.value, signer.value, options.artifact);
    // With a managed key only the timestamps are left to check; with a certificate, its chain and SCTs too.
    add(signer.value.$case === 'publicKey' ? 'timestamps' : 'certificate-and-timestamps', delegated, 'delegated to @sigstore/verify');
    if (signer.value.$case === 'certificate' && (options.identity !== undefined || options.issuer !== undefined)) {
      add('identity', delegated.ok ? matchIdentity(delegated.value, options) : { ok: false, reason: 'certificate was not verified' });
    }
  }
  return verdictOf(checks);
}

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
