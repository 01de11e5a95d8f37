import type { Bundle, TlogEntry } from './bundle';

/**
 * Writing bundles as proto-JSON (camelCase fields, int64 as decimal strings,
 * bytes as base64, default values omitted), the form Sigstore clients read.
 * The bundle keeps its own media type.
 */
export function bundleToJson(bundle: Bundle): Record<string, unknown> {
  const vm = bundle.verificationMaterial;
  const b64 = (b: Buffer): string => b.toString('base64');
  const material =
    vm.content.$case === 'publicKey'
      ? { publicKey: { hint: vm.content.hint } }
      : vm.content.$case === 'certificate'
        ? { certificate: { rawBytes: b64(vm.content.rawBytes) } }
        : { x509CertificateChain: { certificates: vm.content.certificates.map((c) => ({ rawBytes: b64(c) })) } };
  const content =
    bundle.content.$case === 'dsseEnvelope'
      ? {
          dsseEnvelope: {
            payload: b64(bundle.content.dsseEnvelope.payload),
            payloadType: bundle.content.dsseEnvelope.payloadType,
            signatures: bundle.content.dsseEnvelope.signatures.map((s) => ({ ...(s.keyid ? { keyid: s.keyid } : {}), sig: b64(s.sig) })),
          },
        }
      : {
          messageSignature: {
            messageDigest: {
              algorithm: bundle.content.messageSignature.messageDigest.algorithm,
              digest: b64(bundle.content.messageSignature.messageDigest.digest),
            },
            signature: b64(bundle.content.messageSignature.signature),
          },
        };
  return {
    mediaType: bundle.mediaType,
    verificationMaterial: {
      ...material,
      tlogEntries: vm.tlogEntries.map(tlogEntryToJson),
      ...(vm.rfc3161Timestamps.length > 0
        ? { timestampVerificationData: { rfc3161Timestamps: vm.rfc3161Timestamps.map((t) => ({ signedTimestamp: b64(t) })) } }
        : {}),
    },
    ...content,
  };
}

export function tlogEntryToJson(e: TlogEntry): Record<string, unknown> {
  const b64 = (b: Buffer): string => b.toString('base64');
  return {
    logIndex: String(e.logIndex),
    logId: { keyId: b64(e.logId) },
    kindVersion: { kind: e.kind, version: e.version },
    ...(e.integratedTime !== 0 ? { integratedTime: String(e.integratedTime) } : {}),
    ...(e.signedEntryTimestamp ? { inclusionPromise: { signedEntryTimestamp: b64(e.signedEntryTimestamp) } } : {}),
    ...(e.inclusionProof
      ? {
          inclusionProof: {
            logIndex: String(e.inclusionProof.logIndex),
            rootHash: b64(e.inclusionProof.rootHash),
            treeSize: String(e.inclusionProof.treeSize),
            hashes: e.inclusionProof.hashes.map(b64),
            ...(e.inclusionProof.checkpoint !== undefined ? { checkpoint: { envelope: e.inclusionProof.checkpoint } } : {}),
          },
        }
      : {}),
    canonicalizedBody: b64(e.canonicalizedBody),
  };
}
