import { z } from 'zod';
import { readDsseBase64 } from '../signing/dsse-base64';
import { decodeBase64, decodeHex } from './bytes';
import { protoBytes } from './bundle.schema';
import { readWellFormedBody } from './rekor-body.wire-reader';
import { fail, ok, type Result } from './result';
import { object } from './wire-read';

/**
 * The entry bodies Rekor logs, reduced to what a verifier compares with the
 * bundle: the digest that was signed, the signature, and who signed it.
 * Rekor v1: hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.2 (sigstore/rekor
 * pkg/types). Rekor v2: hashedrekord 0.0.2, dsse 0.0.2 (rekor-tiles protos).
 */
export type SignerRef =
  /** A PEM certificate or public key, as Rekor v1 stores it. */
  | { readonly $case: 'pem'; readonly pem: string }
  /** DER bytes, as Rekor v2 stores them. */
  | { readonly $case: 'x509Certificate'; readonly der: Buffer }
  | { readonly $case: 'publicKey'; readonly der: Buffer };

export type EntryBody =
  | {
      readonly $case: 'hashedrekord';
      readonly version: '0.0.1' | '0.0.2';
      /** SHA-256 of the signed message (for Rekor v2 DSSE: of the PAE). */
      readonly digest: Buffer;
      readonly signature: Buffer;
      readonly signer: SignerRef;
    }
  | {
      readonly $case: 'dsse';
      readonly version: '0.0.1' | '0.0.2';
      /** SHA-256 of the envelope payload. */
      readonly payloadHash: Buffer;
      readonly signatures: readonly { readonly signature: Buffer; readonly signer: SignerRef }[];
    }
  | {
      readonly $case: 'intoto';
      readonly version: '0.0.2';
      readonly payloadHash: Buffer;
      /** The logged envelope itself (Rekor double-base64-encodes payload and signatures). */
      readonly payload: Buffer;
      readonly payloadType: string;
      readonly signatures: readonly { readonly signature: Buffer; readonly signer: SignerRef }[];
    };

const b64 = z.string().transform((s, ctx) => {
  const bytes = decodeBase64(s);
  if (!bytes) {
    ctx.addIssue({ code: 'custom', message: 'not valid base64' });
    return z.NEVER;
  }
  return bytes;
});
const b64Text = b64.transform((b) => b.toString('utf8'));
/** A DSSE `sig` as submitted (Rekor v1 `dsse` bodies copy it verbatim): standard or URL-safe, by the one DSSE rule. */
const dsseB64 = z.string().transform((s, ctx) => {
  const read = readDsseBase64(s);
  if (!read.ok) {
    ctx.addIssue({ code: 'custom', message: `not DSSE base64: ${read.reason}` });
    return z.NEVER;
  }
  return read.bytes;
});
/** Rekor v1 stores some fields base64-encoded twice. */
const doubleB64 = b64Text.pipe(b64);
const sha256Hex = z.object({ algorithm: z.literal('sha256'), value: z.string() }).transform((h, ctx) => {
  const bytes = decodeHex(h.value);
  if (!bytes || bytes.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'not a hex SHA-256 digest' });
    return z.NEVER;
  }
  return bytes;
});
const sha256Proto = z.object({ algorithm: z.literal('SHA2_256'), digest: protoBytes }).refine((h) => h.digest.length === 32, 'not a SHA-256 digest');
const pem = b64Text.transform((text): SignerRef => ({ $case: 'pem', pem: text }));
const verifierV2 = z
  .object({ x509Certificate: z.object({ rawBytes: protoBytes }).optional(), publicKey: z.object({ rawBytes: protoBytes }).optional() })
  .refine((v) => (v.x509Certificate === undefined) !== (v.publicKey === undefined), 'verifier needs one of x509Certificate, publicKey')
  .transform(
    (v): SignerRef =>
      v.x509Certificate ? { $case: 'x509Certificate', der: v.x509Certificate.rawBytes } : { $case: 'publicKey', der: v.publicKey?.rawBytes ?? Buffer.alloc(0) },
  );

const hashedRekordV001 = z.object({
  spec: z.object({
    data: z.object({ hash: sha256Hex }),
    signature: z.object({ content: b64, publicKey: z.object({ content: pem }) }),
  }),
});
const hashedRekordV002 = z.object({
  spec: z.object({ hashedRekordV002: z.object({ data: sha256Proto, signature: z.object({ content: protoBytes, verifier: verifierV2 }) }) }),
});
const dsseV001 = z.object({
  spec: z.object({ payloadHash: sha256Hex, signatures: z.array(z.object({ signature: dsseB64, verifier: pem })).min(1) }),
});
const dsseV002 = z.object({
  spec: z.object({
    dsseV002: z.object({ payloadHash: sha256Proto, signatures: z.array(z.object({ content: protoBytes, verifier: verifierV2 })).min(1) }),
  }),
});
const intotoV002 = z.object({
  spec: z.object({
    content: z.object({
      envelope: z.object({
        payload: doubleB64,
        payloadType: z.string(),
        signatures: z.array(z.object({ sig: doubleB64, publicKey: pem })).min(1),
      }),
      payloadHash: sha256Hex,
    }),
  }),
});

/**
 * Parses a canonicalized body and checks that its kind and version are the
 * ones the bundle claims (`kindVersion`), so a body cannot be read as another type.
 */
export function parseEntryBody(canonicalizedBody: Uint8Array, kind: string, version: string): Result<EntryBody> {
  let json: unknown;
  try {
    // A view, not a copy: bodies are read for every bundle verified.
    json = JSON.parse(Buffer.from(canonicalizedBody.buffer, canonicalizedBody.byteOffset, canonicalizedBody.byteLength).toString('utf8'));
  } catch {
    return fail('canonicalized body is not JSON');
  }
  const header = object(json);
  const bodyKind = header?.['kind'];
  const bodyVersion = header?.['apiVersion'];
  if (typeof bodyKind !== 'string' || typeof bodyVersion !== 'string') return fail('canonicalized body has no kind/apiVersion');
  if (bodyKind !== kind || bodyVersion !== version) return fail(`body is ${bodyKind}/${bodyVersion} but the entry says ${kind}/${version}`);
  const kindVersion = `${kind}/${version}`;
  const wellFormed = readWellFormedBody(json, kindVersion);
  return wellFormed !== undefined ? ok(wellFormed) : parseSpecBySchema(json, kindVersion);
}

/** A body's spec read by the zod schemas alone: the specification the fast reader (rekor-body.wire-reader.ts) is tested against. */
export function parseSpecBySchema(json: unknown, kindVersion: string): Result<EntryBody> {
  const problem = (e: z.ZodError): Result<EntryBody> => fail(`malformed ${kindVersion} body: ${z.prettifyError(e).replace(/\n\s*/g, ' ')}`);
  switch (kindVersion) {
    case 'hashedrekord/0.0.1': {
      const r = hashedRekordV001.safeParse(json);
      if (!r.success) return problem(r.error);
      const s = r.data.spec;
      return ok({ $case: 'hashedrekord', version: '0.0.1', digest: s.data.hash, signature: s.signature.content, signer: s.signature.publicKey.content });
    }
    case 'hashedrekord/0.0.2': {
      const r = hashedRekordV002.safeParse(json);
      if (!r.success) return problem(r.error);
      const s = r.data.spec.hashedRekordV002;
      return ok({ $case: 'hashedrekord', version: '0.0.2', digest: s.data.digest, signature: s.signature.content, signer: s.signature.verifier });
    }
    case 'dsse/0.0.1': {
      const r = dsseV001.safeParse(json);
      if (!r.success) return problem(r.error);
      const s = r.data.spec;
      return ok({ $case: 'dsse', version: '0.0.1', payloadHash: s.payloadHash, signatures: s.signatures.map((x) => ({ signature: x.signature, signer: x.verifier })) });
    }
    case 'dsse/0.0.2': {
      const r = dsseV002.safeParse(json);
      if (!r.success) return problem(r.error);
      const s = r.data.spec.dsseV002;
      return ok({ $case: 'dsse', version: '0.0.2', payloadHash: s.payloadHash.digest, signatures: s.signatures.map((x) => ({ signature: x.content, signer: x.verifier })) });
    }
    case 'intoto/0.0.2': {
      const r = intotoV002.safeParse(json);
      if (!r.success) return problem(r.error);
      const c = r.data.spec.content;
      return ok({
        $case: 'intoto',
        version: '0.0.2',
        payloadHash: c.payloadHash,
        payload: c.envelope.payload,
        payloadType: c.envelope.payloadType,
        signatures: c.envelope.signatures.map((x) => ({ signature: x.sig, signer: x.publicKey })),
      });
    }
    default:
      return fail(`unsupported entry type ${kindVersion}`);
  }
}
