import type { EntryBody, SignerRef } from './rekor-body';
import { arrayOf, base64, dsseBase64, object, protoBytes, sha256Hex } from './wire-read';

/**
 * The fast path of `parseEntryBody` for the kinds bundles carry most
 * (hashedrekord and dsse, Rekor v1 and v2): reads a well-formed body straight
 * into `EntryBody`, giving exactly what the zod schemas in rekor-body.ts give.
 * Anything unusual answers `undefined`, and the zod schema — the specification,
 * and the writer of the error message — decides.
 * test/transparency/wire-readers.test.ts checks the agreement.
 */
export function readWellFormedBody(json: unknown, kindVersion: string): EntryBody | undefined {
  const spec = object(object(json)?.['spec']);
  if (spec === undefined) return undefined;
  switch (kindVersion) {
    case 'hashedrekord/0.0.1': {
      const digest = sha256Hex(object(spec['data'])?.['hash']);
      const signature = object(spec['signature']);
      const content = base64(signature?.['content']);
      const signer = pem(object(signature?.['publicKey'])?.['content']);
      if (digest === undefined || content === undefined || signer === undefined) return undefined;
      return { $case: 'hashedrekord', version: '0.0.1', digest, signature: content, signer };
    }
    case 'hashedrekord/0.0.2': {
      const v2 = object(spec['hashedRekordV002']);
      const digest = sha256Proto(v2?.['data']);
      const signature = object(v2?.['signature']);
      const content = protoBytes(signature?.['content']);
      const signer = verifierV2(signature?.['verifier']);
      if (digest === undefined || content === undefined || signer === undefined) return undefined;
      return { $case: 'hashedrekord', version: '0.0.2', digest, signature: content, signer };
    }
    case 'dsse/0.0.1': {
      const payloadHash = sha256Hex(spec['payloadHash']);
      const signatures = arrayOf(spec['signatures'], (s) => {
        const signature = dsseBase64(object(s)?.['signature']);
        const signer = pem(object(s)?.['verifier']);
        return signature === undefined || signer === undefined ? undefined : { signature, signer };
      });
      if (payloadHash === undefined || signatures === undefined || signatures.length === 0) return undefined;
      return { $case: 'dsse', version: '0.0.1', payloadHash, signatures };
    }
    case 'dsse/0.0.2': {
      const v2 = object(spec['dsseV002']);
      const payloadHash = sha256Proto(v2?.['payloadHash']);
      const signatures = arrayOf(v2?.['signatures'], (s) => {
        const signature = protoBytes(object(s)?.['content']);
        const signer = verifierV2(object(s)?.['verifier']);
        return signature === undefined || signer === undefined ? undefined : { signature, signer };
      });
      if (payloadHash === undefined || signatures === undefined || signatures.length === 0) return undefined;
      return { $case: 'dsse', version: '0.0.2', payloadHash, signatures };
    }
    default:
      return undefined;
  }
}

/** A base64 PEM certificate or public key (Rekor v1). */
function pem(value: unknown): SignerRef | undefined {
  const bytes = base64(value);
  return bytes === undefined ? undefined : { $case: 'pem', pem: bytes.toString('utf8') };
}

/** `{algorithm: "SHA2_256", digest}` (Rekor v2). */
function sha256Proto(value: unknown): Buffer | undefined {
  const hash = object(value);
  if (hash?.['algorithm'] !== 'SHA2_256') return undefined;
  const digest = protoBytes(hash['digest']);
  return digest?.length === 32 ? digest : undefined;
}

/** Exactly one of `x509Certificate`, `publicKey`, each `{rawBytes}` (Rekor v2). */
function verifierV2(value: unknown): SignerRef | undefined {
  const v = object(value);
  if (v === undefined || (v['x509Certificate'] === undefined) === (v['publicKey'] === undefined)) return undefined;
  if (v['x509Certificate'] !== undefined) {
    const der = protoBytes(object(v['x509Certificate'])?.['rawBytes']);
    return der === undefined ? undefined : { $case: 'x509Certificate', der };
  }
  const der = protoBytes(object(v['publicKey'])?.['rawBytes']);
  return der === undefined ? undefined : { $case: 'publicKey', der };
}
