import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { publicKeyFromPem } from '../shared/key-cache';
import { readDsseBase64 } from '../signing/dsse-base64';
import { decodePaddedBase64 } from '../transparency/bytes';

/**
 * What a client may submit to the local log, parsed from untrusted JSON into
 * values whose keys, signatures and digests are already decoded. Every
 * refusal says which field is wrong and how.
 */
export type ParsedRequest<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface DsseEnvelopeValue {
  readonly payload: Buffer;
  readonly payloadType: string;
  readonly signatures: readonly { readonly keyid: string; readonly sig: Buffer }[];
}

/** Rekor v1 `dsse` 0.0.1 proposed content. */
export interface DsseV001Request {
  /** The envelope exactly as submitted (its SHA-256 is the body's envelopeHash). */
  readonly envelopeText: string;
  readonly envelope: DsseEnvelopeValue;
  /** Each verifier as submitted (PEM text) and as a key. */
  readonly verifiers: readonly { readonly pem: string; readonly key: KeyObject }[];
}

export const SUPPORTED_KEY_DETAILS = [
  'PKIX_ECDSA_P256_SHA_256',
  'PKIX_RSA_PKCS1V15_2048_SHA256',
  'PKIX_RSA_PKCS1V15_3072_SHA256',
  'PKIX_RSA_PKCS1V15_4096_SHA256',
] as const;
export type KeyDetails = (typeof SUPPORTED_KEY_DETAILS)[number];

/** Rekor v2 `hashedRekordRequestV002`. */
export interface HashedRekordV002Request {
  readonly digest: Buffer;
  readonly signature: Buffer;
  readonly verifier: { readonly $case: 'publicKey' | 'x509Certificate'; readonly der: Buffer; readonly key: KeyObject };
  readonly keyDetails: KeyDetails;
}

/** A non-empty base64 field, decoded by `read`, which answers the bytes or what is wrong with the text. */
const base64Field = (what: string, read: (text: string) => Buffer | string) =>
  z
    .string({ error: `${what} must be a base64 string` })
    .min(1, `${what} must not be empty`)
    .transform((s, ctx) => {
      const bytes = read(s);
      if (typeof bytes === 'string') {
        ctx.addIssue({ code: 'custom', message: `${what} ${bytes}` });
        return z.NEVER;
      }
      return bytes;
    });

/** Rekor API fields (Go's strfmt.Base64): padded standard base64. */
const base64 = (what: string) => base64Field(what, (s) => decodePaddedBase64(s) ?? 'is not valid base64');

/** An envelope's payload or sig, read by the rule every DSSE reader follows (dsse-base64.ts). */
const dsseBase64 = (what: string) =>
  base64Field(what, (s) => {
    const read = readDsseBase64(s);
    return read.ok ? read.bytes : `is not canonical base64: ${read.reason}`;
  });

/** The local log's bounds on a submitted DSSE envelope; the service checks them before it accepts a submission. */
export const DSSE_ENTRY_LIMITS = { payloadTypeLength: 256, keyidLength: 512, signatures: 16 } as const;

/** Why a log would refuse this envelope's shape, or undefined. */
export function dsseEntryLimitProblem(envelope: {
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly { readonly keyid?: string; readonly sig: string }[];
}): string | undefined {
  // The empty string is the only base64 spelling of no bytes.
  if (envelope.payload === '') return 'payload is empty';
  const empty = envelope.signatures.findIndex((sig) => sig.sig === '');
  if (empty >= 0) return `signatures[${empty}].sig is empty`;
  if (envelope.payloadType.length > DSSE_ENTRY_LIMITS.payloadTypeLength) return `payloadType is longer than ${DSSE_ENTRY_LIMITS.payloadTypeLength} characters`;
  if (envelope.signatures.length > DSSE_ENTRY_LIMITS.signatures) return `the envelope carries more than ${DSSE_ENTRY_LIMITS.signatures} signatures`;
  const long = envelope.signatures.findIndex((sig) => (sig.keyid ?? '').length > DSSE_ENTRY_LIMITS.keyidLength);
  return long < 0 ? undefined : `signatures[${long}].keyid is longer than ${DSSE_ENTRY_LIMITS.keyidLength} characters`;
}

const envelopeSchema = z.object({
  payload: dsseBase64('payload'),
  payloadType: z.string().min(1, 'envelope payloadType must not be empty').max(DSSE_ENTRY_LIMITS.payloadTypeLength),
  signatures: z
    .array(z.object({ keyid: z.string().max(DSSE_ENTRY_LIMITS.keyidLength).optional(), sig: dsseBase64('sig') }))
    .min(1, 'envelope must carry at least one signature')
    .max(DSSE_ENTRY_LIMITS.signatures, `envelope carries more than ${DSSE_ENTRY_LIMITS.signatures} signatures`),
});

const dsseV001Schema = z.object({
  apiVersion: z.literal('0.0.1', { error: 'apiVersion must be "0.0.1" for dsse entries' }),
  kind: z.literal('dsse'),
  spec: z.object({
    proposedContent: z.object({
      envelope: z.string().min(1, 'proposedContent.envelope must be the envelope JSON as a string'),
      verifiers: z.array(base64('verifier')).min(1, 'proposedContent.verifiers must list the PEM key or certificate of each signer').max(16),
    }),
  }),
});

const hashedRekordV002Schema = z.object({
  hashedRekordRequestV002: z.object({
    digest: base64('digest').refine((d) => d.length === 32, 'digest must be a 32-byte SHA-256 digest'),
    signature: z.object({
      content: base64('signature.content'),
      verifier: z
        .object({
          publicKey: z.object({ rawBytes: base64('verifier.publicKey.rawBytes') }).optional(),
          x509Certificate: z.object({ rawBytes: base64('verifier.x509Certificate.rawBytes') }).optional(),
          keyDetails: z.enum(SUPPORTED_KEY_DETAILS, {
            error: `verifier.keyDetails must be one of ${SUPPORTED_KEY_DETAILS.join(', ')}`,
          }),
        })
        .refine((v) => (v.publicKey === undefined) !== (v.x509Certificate === undefined), 'verifier needs exactly one of publicKey, x509Certificate'),
    }),
  }),
});

function describe(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

export function parseDsseV001Request(json: unknown): ParsedRequest<DsseV001Request> {
  const kind = (json as { kind?: unknown } | null)?.kind;
  if (kind !== 'dsse') {
    return { ok: false, reason: `kind ${JSON.stringify(kind)} is not accepted: this log takes "dsse" entries on /api/v1 (hashedrekord goes to /api/v2)` };
  }
  const r = dsseV001Schema.safeParse(json);
  if (!r.success) return { ok: false, reason: describe(r.error) };
  const { envelope: envelopeText, verifiers } = r.data.spec.proposedContent;
  let envelopeJson: unknown;
  try {
    envelopeJson = JSON.parse(envelopeText);
  } catch {
    return { ok: false, reason: 'proposedContent.envelope is not valid JSON' };
  }
  const env = envelopeSchema.safeParse(envelopeJson);
  if (!env.success) return { ok: false, reason: `proposedContent.envelope: ${describe(env.error)}` };
  const keys: { pem: string; key: KeyObject }[] = [];
  for (const [i, v] of verifiers.entries()) {
    const pem = v.toString('utf8');
    const key = keyFromPem(pem);
    if (!key) return { ok: false, reason: `proposedContent.verifiers[${i}] is not a PEM public key or certificate` };
    keys.push({ pem, key });
  }
  return {
    ok: true,
    value: {
      envelopeText,
      envelope: {
        payload: env.data.payload,
        payloadType: env.data.payloadType,
        signatures: env.data.signatures.map((s) => ({ keyid: s.keyid ?? '', sig: s.sig })),
      },
      verifiers: keys,
    },
  };
}

export function parseHashedRekordV002Request(json: unknown): ParsedRequest<HashedRekordV002Request> {
  if (json !== null && typeof json === 'object' && 'dsseRequestV002' in json) {
    return {
      ok: false,
      reason: 'DSSE requests are not accepted by Rekor v2: log a hashedrekord whose digest is SHA-256(PAE(payloadType, payload)) and whose signature is the DSSE signature',
    };
  }
  const r = hashedRekordV002Schema.safeParse(json);
  if (!r.success) return { ok: false, reason: describe(r.error) };
  const req = r.data.hashedRekordRequestV002;
  const v = req.signature.verifier;
  const $case = v.publicKey ? 'publicKey' : 'x509Certificate';
  const der = (v.publicKey ?? v.x509Certificate)!.rawBytes;
  let key: KeyObject;
  try {
    key = $case === 'publicKey' ? createPublicKey({ key: der, format: 'der', type: 'spki' }) : new X509Certificate(der).publicKey;
  } catch {
    return { ok: false, reason: `verifier.${$case}.rawBytes is not a DER ${$case === 'publicKey' ? 'SubjectPublicKeyInfo' : 'certificate'}` };
  }
  const expectedType = v.keyDetails.startsWith('PKIX_ECDSA') ? 'ec' : 'rsa';
  if (key.asymmetricKeyType !== expectedType) {
    return { ok: false, reason: `verifier key is ${key.asymmetricKeyType ?? 'unknown'} but keyDetails says ${v.keyDetails}` };
  }
  return { ok: true, value: { digest: req.digest, signature: req.signature.content, verifier: { $case, der, key }, keyDetails: v.keyDetails } };
}

/** A PEM public key or certificate, as Rekor v1 verifiers are given. */
export function keyFromPem(pem: string): KeyObject | null {
  if (!pem.includes('BEGIN CERTIFICATE') && !pem.includes('BEGIN PUBLIC KEY')) return null;
  try {
    return publicKeyFromPem(pem);
  } catch {
    return null;
  }
}
