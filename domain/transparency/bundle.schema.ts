import { z } from 'zod';
import { decodeProtoBytes } from './bytes';

/**
 * The proto-JSON wire shape of a Sigstore bundle (sigstore/protobuf-specs
 * `sigstore_bundle.proto`): int64 as decimal strings (numbers tolerated),
 * bytes as base64. Untrusted input, so every field is checked and bytes are
 * decoded strictly.
 */
export const protoBytes = z.string().transform((text, ctx) => {
  const bytes = decodeProtoBytes(text);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: 'not valid base64' });
    return z.NEVER;
  }
  return bytes;
});

export const nonEmptyBytes = protoBytes.refine((b) => b.length > 0, 'must not be empty');

export const protoInt64 = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = String(value);
  if (!/^-?(0|[1-9][0-9]*)$/.test(text)) {
    ctx.addIssue({ code: 'custom', message: 'not an integer' });
    return z.NEVER;
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: 'integer is out of range' });
    return z.NEVER;
  }
  return n;
});

export const nonNegativeInt64 = protoInt64.refine((n) => n >= 0, 'must not be negative');

const hashOutput = z.object({ algorithm: z.string(), digest: protoBytes });

export const tlogEntrySchema = z.object({
  logIndex: nonNegativeInt64,
  logId: z.object({ keyId: nonEmptyBytes }),
  kindVersion: z.object({ kind: z.string().min(1), version: z.string().min(1) }),
  // proto3 omits zero values: Rekor v2 entries have no integrated time.
  integratedTime: nonNegativeInt64.optional(),
  inclusionPromise: z.object({ signedEntryTimestamp: nonEmptyBytes }).optional(),
  inclusionProof: z
    .object({
      logIndex: nonNegativeInt64,
      rootHash: nonEmptyBytes,
      treeSize: nonNegativeInt64,
      hashes: z.array(protoBytes).default([]),
      checkpoint: z.object({ envelope: z.string().min(1) }).optional(),
    })
    .optional(),
  canonicalizedBody: nonEmptyBytes,
});

const certificate = z.object({ rawBytes: nonEmptyBytes });

const verificationMaterialSchema = z
  .object({
    publicKey: z.object({ hint: z.string().optional() }).optional(),
    x509CertificateChain: z.object({ certificates: z.array(certificate).min(1, 'certificate chain is empty') }).optional(),
    certificate: certificate.optional(),
    tlogEntries: z.array(tlogEntrySchema).default([]),
    timestampVerificationData: z
      .object({ rfc3161Timestamps: z.array(z.object({ signedTimestamp: nonEmptyBytes })).default([]) })
      .optional(),
  })
  .refine(
    (m) => [m.publicKey, m.x509CertificateChain, m.certificate].filter((x) => x !== undefined).length === 1,
    'verificationMaterial needs exactly one of publicKey, x509CertificateChain, certificate',
  );

export const dsseEnvelopeSchema = z.object({
  payload: nonEmptyBytes,
  payloadType: z.string().min(1),
  signatures: z.array(z.object({ keyid: z.string().default(''), sig: nonEmptyBytes })).length(1, 'a bundle envelope has exactly one signature'),
});

const messageSignatureSchema = z.object({
  messageDigest: hashOutput.refine((d) => d.digest.length > 0, 'digest must not be empty'),
  signature: nonEmptyBytes,
});

export const bundleWireSchema = z
  .object({
    mediaType: z.string(),
    verificationMaterial: verificationMaterialSchema,
    dsseEnvelope: dsseEnvelopeSchema.optional(),
    messageSignature: messageSignatureSchema.optional(),
  })
  .refine((b) => (b.dsseEnvelope === undefined) !== (b.messageSignature === undefined), 'bundle needs exactly one of dsseEnvelope, messageSignature');

export type BundleWire = z.infer<typeof bundleWireSchema>;
export type TlogEntryWire = z.infer<typeof tlogEntrySchema>;
