import { safeJson, verifyBundle, verifyBundleWith, type BundleVerification, type VerifyBundleOptions } from './bundle.verify';
import { TlogVerificationMemo } from './tlog-verification.cache';
import { parseTrustedRoot } from './trusted-root';
import type { Verdict } from './verification-check';

export interface BatchVerifyOptions extends Omit<VerifyBundleOptions, 'artifact'> {
  /** Verified checkpoints kept (least recently used dropped first). Default 1024. */
  readonly checkpointCacheSize?: number;
}

/**
 * Verifies many bundles against one trusted root and one set of options, with
 * `verifyBundle`'s own code (`verifyBundleWith`, and `verifyTlogEntry` for each
 * entry), doing once what does not depend on the bundle:
 *
 * - the trusted root is parsed once;
 * - a checkpoint (its signed-note text, per log) is verified once and the
 *   result cached, so bundles proven against the same checkpoint share one
 *   signature verification; the verifier PEM/DER of entry bodies is decoded
 *   once (`TlogVerificationMemo`);
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
  private readonly how: BundleVerification;

  constructor(private readonly options: BatchVerifyOptions) {
    this.how = { ...bundleVerificationFor(options.trustedRoot, options.checkpointCacheSize), setCoversTimestamps: true };
  }

  /** The verdict `verifyBundle(input, { ...options, artifact })` would give (see the class comment for the one check whose note differs). */
  verify(input: unknown, artifact?: Uint8Array): Verdict {
    const fast = verifyBundleWith(input, artifact, this.options, this.how);
    if (fast.verified) return fast;
    const { checkpointCacheSize: _unused, ...options } = this.options;
    return verifyBundle(input, artifact === undefined ? options : { ...options, artifact });
  }
}

/**
 * What verifying many bundles against one trusted root does once: the root parsed, and a memo of
 * verified checkpoints and decoded entry keys (`BundleBatchVerifier`, POST /api/v1/verify).
 */
export function bundleVerificationFor(trustedRoot: unknown, checkpointCacheSize?: number): BundleVerification {
  const root = parseTrustedRoot(typeof trustedRoot === 'string' ? safeJson(trustedRoot) : trustedRoot);
  return { trustedRoot: () => root, cache: new TlogVerificationMemo(checkpointCacheSize) };
}

/** Verifies each bundle with one `BundleBatchVerifier`. */
export function verifyBundles(inputs: readonly unknown[], options: BatchVerifyOptions, artifacts?: readonly (Uint8Array | undefined)[]): Verdict[] {
  const verifier = new BundleBatchVerifier(options);
  return inputs.map((input, i) => verifier.verify(input, artifacts?.[i]));
}
