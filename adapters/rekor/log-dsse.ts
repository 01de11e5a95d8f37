import { keyIdentities } from '../../domain/keys/key-algorithm';
import type { DsseEnvelope } from '../../domain/signing/dsse-envelope';
import { bundleForDsse } from '../../domain/transparency';
import { ValidationError } from '../../src/errors/app-error';
import type { SubmittedEntry, TransparencyLog } from '../../src/ports/transparency-log';

export interface LoggedDsse extends SubmittedEntry {
  /** A v0.3 Sigstore bundle (proto-JSON) of the envelope and its verified entry. */
  readonly bundle: Record<string, unknown>;
}

/**
 * Logs a DSSE envelope and returns the verified entry with its bundle: the
 * one call the attestation pipeline needs. The bundle's public-key hint is
 * `publicKeyHint`, else the signature's keyid, else the hex SHA-256 of the
 * signer's DER SubjectPublicKeyInfo.
 */
export async function logDsse(
  log: TransparencyLog,
  envelope: DsseEnvelope,
  signerPublicKeyPem: string,
  options: { readonly publicKeyHint?: string } = {},
): Promise<LoggedDsse> {
  const entry = await log.submitDsse(envelope, signerPublicKeyPem);
  const hint = options.publicKeyHint ?? (envelope.signatures[0]?.keyid || keyHint(signerPublicKeyPem));
  const bundle = bundleForDsse(envelope, entry.tlogEntry, { publicKeyHint: hint });
  // submitDsse already refused envelopes a bundle cannot hold; this is belt and braces.
  if (!bundle.ok) throw new ValidationError(`cannot build a bundle: ${bundle.reason}`, {}, 'invalid_envelope');
  return { ...entry, bundle: bundle.value };
}

/** The key's fingerprint as the key registry names keys (canonical encoding), for the bundle's hint; none for a key that does not parse. */
function keyHint(pem: string): string {
  return keyIdentities(pem)[0] ?? '';
}
