import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot as ProtoTrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import type { Bundle } from './bundle';
import { bundleToJson } from './bundle.write';
import type { BundleSigner } from './bundle-signer';
import { fail, ok, type Result } from './result';
import type { TrustedRoot } from './trusted-root';

/**
 * The certificate-side checks we delegate to sigstore-js: the Fulcio chain to
 * a trusted CA, SCTs, RFC 3161 timestamps and the signer's identity claims.
 * It is handed the bundle *without* its tlog entries and a trust root without
 * logs: every transparency-log check is ours (sigstore-js rejects Rekor v2
 * hashedrekord-over-DSSE entries and accepts log keys with no validity start).
 * Timestamps from tlog entries still count for certificate validity; their
 * integrated time is trusted only because our SET check covers it.
 */
export interface SignerIdentity {
  readonly subjectAlternativeName?: string;
  readonly issuer?: string;
}

export function verifyCertificateAndTimestamps(
  bundle: Bundle,
  root: TrustedRoot,
  signer: BundleSigner,
  artifact: Uint8Array | undefined,
): Result<SignerIdentity> {
  try {
    const protoBundle = bundleFromJSON(bundleToJson(bundle));
    const protoRoot = ProtoTrustedRoot.fromJSON(root.json);
    const keyFinder =
      signer.$case === 'publicKey' ? () => ({ publicKey: signer.publicKey, validFor: () => true }) : undefined;
    const material = toTrustMaterial({ ...protoRoot, tlogs: [] }, keyFinder);
    const entity = { ...toSignedEntity(protoBundle, artifact ? Buffer.from(artifact) : undefined), tlogEntries: [] };
    const verified = new Verifier(material, { tlogThreshold: 0 }).verify(entity);
    return ok({
      ...(verified.identity?.subjectAlternativeName !== undefined ? { subjectAlternativeName: verified.identity.subjectAlternativeName } : {}),
      ...(verified.identity?.extensions?.issuer !== undefined ? { issuer: verified.identity.extensions.issuer } : {}),
    });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    return fail(typeof code === 'string' ? `${code}: ${message}` : message);
  }
}
