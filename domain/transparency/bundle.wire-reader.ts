import type { Bundle, BundleContent, BundleVersion, TlogEntry, VerificationMaterialContent } from './bundle';
import { arrayOf, nonEmptyProtoBytes, nonEmptyString, nonNegativeInt64, object, protoBytes, string, type JsonObject } from './wire-read';

/**
 * The fast path of `parseBundle`: reads a well-formed bundle straight into the
 * domain shape, giving exactly what `bundleWireSchema` + `fromWire` give, at a
 * fraction of zod's cost (zod was the largest non-cryptographic cost of batch
 * verification, docs/performance.md). It answers `undefined` for anything
 * unusual — a missing field, a null, a wrong type, an unknown media type — and
 * `parseBundle` then asks the zod schema, which is the specification and
 * writes the error message. test/transparency/wire-readers.test.ts checks
 * that whenever this reader answers, zod answers the same.
 */
export function readWellFormedBundle(json: unknown, versionOf: (mediaType: string) => BundleVersion | undefined): Bundle | undefined {
  const wire = object(json);
  if (wire === undefined) return undefined;
  const mediaType = string(wire['mediaType']);
  const version = mediaType === undefined ? undefined : versionOf(mediaType);
  const vm = object(wire['verificationMaterial']);
  if (mediaType === undefined || version === undefined || vm === undefined) return undefined;

  const material = verificationMaterialContent(vm);
  const tlogEntries = vm['tlogEntries'] === undefined ? [] : arrayOf(vm['tlogEntries'], readWellFormedTlogEntry);
  const rfc3161Timestamps = timestamps(vm['timestampVerificationData']);
  const content = bundleContent(wire);
  if (material === undefined || tlogEntries === undefined || rfc3161Timestamps === undefined || content === undefined) return undefined;
  return { mediaType, version, verificationMaterial: { content: material, tlogEntries, rfc3161Timestamps }, content };
}

function verificationMaterialContent(vm: JsonObject): VerificationMaterialContent | undefined {
  const present = (vm['publicKey'] !== undefined ? 1 : 0) + (vm['x509CertificateChain'] !== undefined ? 1 : 0) + (vm['certificate'] !== undefined ? 1 : 0);
  if (present !== 1) return undefined;
  if (vm['publicKey'] !== undefined) {
    const publicKey = object(vm['publicKey']);
    const hint = publicKey?.['hint'];
    if (publicKey === undefined || (hint !== undefined && typeof hint !== 'string')) return undefined;
    return { $case: 'publicKey', hint: hint ?? '' };
  }
  if (vm['certificate'] !== undefined) {
    const rawBytes = certificateBytes(vm['certificate']);
    return rawBytes === undefined ? undefined : { $case: 'certificate', rawBytes };
  }
  const certificates = arrayOf(object(vm['x509CertificateChain'])?.['certificates'], certificateBytes);
  return certificates === undefined || certificates.length === 0 ? undefined : { $case: 'x509CertificateChain', certificates };
}

function certificateBytes(value: unknown): Buffer | undefined {
  return nonEmptyProtoBytes(object(value)?.['rawBytes']);
}

function timestamps(value: unknown): Buffer[] | undefined {
  if (value === undefined) return [];
  const data = object(value);
  if (data === undefined) return undefined;
  if (data['rfc3161Timestamps'] === undefined) return [];
  return arrayOf(data['rfc3161Timestamps'], (t) => nonEmptyProtoBytes(object(t)?.['signedTimestamp']));
}

/** One tlog entry (protobuf-specs `TransparencyLogEntry`), as `readWellFormedBundle` reads each: `undefined` for anything unusual. */
export function readWellFormedTlogEntry(value: unknown): TlogEntry | undefined {
  const e = object(value);
  if (e === undefined) return undefined;
  const logIndex = nonNegativeInt64(e['logIndex']);
  const logId = nonEmptyProtoBytes(object(e['logId'])?.['keyId']);
  const kindVersion = object(e['kindVersion']);
  const kind = nonEmptyString(kindVersion?.['kind']);
  const version = nonEmptyString(kindVersion?.['version']);
  const integratedTime = e['integratedTime'] === undefined ? 0 : nonNegativeInt64(e['integratedTime']);
  const canonicalizedBody = nonEmptyProtoBytes(e['canonicalizedBody']);
  if (logIndex === undefined || logId === undefined || kind === undefined || version === undefined || integratedTime === undefined || canonicalizedBody === undefined) {
    return undefined;
  }

  let signedEntryTimestamp: Buffer | undefined;
  if (e['inclusionPromise'] !== undefined) {
    signedEntryTimestamp = nonEmptyProtoBytes(object(e['inclusionPromise'])?.['signedEntryTimestamp']);
    if (signedEntryTimestamp === undefined) return undefined;
  }
  let inclusionProof: TlogEntry['inclusionProof'];
  if (e['inclusionProof'] !== undefined) {
    inclusionProof = proof(e['inclusionProof']);
    if (inclusionProof === undefined) return undefined;
  }
  // Written out rather than spread: this runs for every bundle verified.
  if (signedEntryTimestamp !== undefined && inclusionProof !== undefined) {
    return { logIndex, logId, kind, version, integratedTime, signedEntryTimestamp, inclusionProof, canonicalizedBody };
  }
  if (signedEntryTimestamp !== undefined) return { logIndex, logId, kind, version, integratedTime, signedEntryTimestamp, canonicalizedBody };
  if (inclusionProof !== undefined) return { logIndex, logId, kind, version, integratedTime, inclusionProof, canonicalizedBody };
  return { logIndex, logId, kind, version, integratedTime, canonicalizedBody };
}

function proof(value: unknown): TlogEntry['inclusionProof'] {
  const p = object(value);
  if (p === undefined) return undefined;
  const logIndex = nonNegativeInt64(p['logIndex']);
  const rootHash = nonEmptyProtoBytes(p['rootHash']);
  const treeSize = nonNegativeInt64(p['treeSize']);
  const hashes = p['hashes'] === undefined ? [] : arrayOf(p['hashes'], protoBytes);
  if (logIndex === undefined || rootHash === undefined || treeSize === undefined || hashes === undefined) return undefined;
  if (p['checkpoint'] === undefined) return { logIndex, rootHash, treeSize, hashes };
  const checkpoint = nonEmptyString(object(p['checkpoint'])?.['envelope']);
  return checkpoint === undefined ? undefined : { logIndex, rootHash, treeSize, hashes, checkpoint };
}

function bundleContent(wire: JsonObject): BundleContent | undefined {
  const dsse = wire['dsseEnvelope'];
  const message = wire['messageSignature'];
  if ((dsse === undefined) === (message === undefined)) return undefined;
  if (dsse !== undefined) {
    const envelope = object(dsse);
    const payload = nonEmptyProtoBytes(envelope?.['payload']);
    const payloadType = nonEmptyString(envelope?.['payloadType']);
    const signatures = arrayOf(envelope?.['signatures'], signature);
    if (payload === undefined || payloadType === undefined || signatures?.length !== 1) return undefined;
    return { $case: 'dsseEnvelope', dsseEnvelope: { payload, payloadType, signatures } };
  }
  const m = object(message);
  const digest = object(m?.['messageDigest']);
  const algorithm = string(digest?.['algorithm']);
  const digestBytes = nonEmptyProtoBytes(digest?.['digest']);
  const sig = nonEmptyProtoBytes(m?.['signature']);
  if (algorithm === undefined || digestBytes === undefined || sig === undefined) return undefined;
  return { $case: 'messageSignature', messageSignature: { messageDigest: { algorithm, digest: digestBytes }, signature: sig } };
}

function signature(value: unknown): { keyid: string; sig: Buffer } | undefined {
  const s = object(value);
  const keyid = s?.['keyid'] === undefined ? '' : string(s['keyid']);
  const sig = nonEmptyProtoBytes(s?.['sig']);
  return keyid === undefined || sig === undefined ? undefined : { keyid, sig };
}
