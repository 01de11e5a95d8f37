import { X509Certificate, type KeyObject } from 'node:crypto';
import type { Bundle } from './bundle';
import { fail, ok, type Result } from './result';
import { publicKeyFromPem } from '../shared/key-cache';

/**
 * Who signed a bundle's content, as far as the bundle and the caller say:
 * the leaf certificate (keyless) or a key the caller supplied (managed key).
 * Whether that certificate is trustworthy is a separate check.
 */
export type BundleSigner =
  | { readonly $case: 'certificate'; readonly der: Buffer; readonly publicKey: KeyObject }
  | { readonly $case: 'publicKey'; readonly publicKey: KeyObject };

export function bundleSigner(bundle: Bundle, suppliedKey: KeyObject | undefined): Result<BundleSigner> {
  const material = bundle.verificationMaterial.content;
  if (material.$case === 'publicKey') {
    if (!suppliedKey) return fail('bundle is signed with a key but no public key was supplied');
    return ok({ $case: 'publicKey', publicKey: suppliedKey });
  }
  const chain = material.$case === 'certificate' ? [material.rawBytes] : material.certificates;
  const [der] = chain;
  if (!der) return fail('bundle has no certificate');
  let certs: X509Certificate[];
  try {
    certs = chain.map((c) => new X509Certificate(c));
  } catch {
    return fail('bundle certificate cannot be parsed');
  }
  // A root in the bundle invites trusting it: roots come from the trusted root only (protobuf-specs X509CertificateChain).
  if (certs.some(isSelfSigned)) return fail('bundle certificate chain contains a root certificate');
  return ok({ $case: 'certificate', der, publicKey: (certs[0] as X509Certificate).publicKey });
}

function isSelfSigned(cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/** The public key of a PEM certificate or PEM public key, with whether it was a certificate. */
export function keyFromPem(pem: string): Result<{ readonly certificateDer?: Buffer; readonly publicKey: KeyObject }> {
  try {
    if (pem.includes('-----BEGIN CERTIFICATE-----')) {
      const cert = new X509Certificate(pem);
      return ok({ certificateDer: cert.raw, publicKey: cert.publicKey });
    }
    return ok({ publicKey: publicKeyFromPem(pem) });
  } catch {
    return fail('PEM is neither a certificate nor a public key');
  }
}
