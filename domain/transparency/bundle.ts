import { z } from 'zod';
import { bundleWireSchema, tlogEntrySchema, type BundleWire, type TlogEntryWire } from './bundle.schema';
import { readWellFormedBundle, readWellFormedTlogEntry } from './bundle.wire-reader';
import { fail, ok, type Result } from './result';

/**
 * A Sigstore bundle (v0.1–v0.3) as the domain sees it: bytes decoded, int64s
 * as numbers, one-of fields as tagged unions. `parseBundle` reads proto-JSON;
 * `bundleToJson` (bundle.write.ts) writes it back.
 */
export type BundleVersion = '0.1' | '0.2' | '0.3';

export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export interface TlogInclusionProof {
  /** Shard-local index (differs from the entry's virtual logIndex on Rekor v1). */
  readonly logIndex: number;
  readonly rootHash: Buffer;
  readonly treeSize: number;
  readonly hashes: readonly Buffer[];
  /** The signed checkpoint (C2SP signed note) the proof leads to. */
  readonly checkpoint?: string;
}

export interface TlogEntry {
  readonly logIndex: number;
  readonly logId: Buffer;
  readonly kind: string;
  readonly version: string;
  /** Seconds since the epoch; 0 when the log gives none (Rekor v2). */
  readonly integratedTime: number;
  readonly signedEntryTimestamp?: Buffer;
  readonly inclusionProof?: TlogInclusionProof;
  readonly canonicalizedBody: Buffer;
}

export type VerificationMaterialContent =
  | { readonly $case: 'publicKey'; readonly hint: string }
  | { readonly $case: 'x509CertificateChain'; readonly certificates: readonly Buffer[] }
  | { readonly $case: 'certificate'; readonly rawBytes: Buffer };

export interface DsseEnvelope {
  readonly payload: Buffer;
  readonly payloadType: string;
  readonly signatures: readonly { readonly keyid: string; readonly sig: Buffer }[];
}

export interface MessageSignature {
  readonly messageDigest: { readonly algorithm: string; readonly digest: Buffer };
  readonly signature: Buffer;
}

export type BundleContent =
  | { readonly $case: 'dsseEnvelope'; readonly dsseEnvelope: DsseEnvelope }
  | { readonly $case: 'messageSignature'; readonly messageSignature: MessageSignature };

export interface Bundle {
  readonly mediaType: string;
  readonly version: BundleVersion;
  readonly verificationMaterial: {
    readonly content: VerificationMaterialContent;
    readonly tlogEntries: readonly TlogEntry[];
    readonly rfc3161Timestamps: readonly Buffer[];
  };
  readonly content: BundleContent;
}

// A Map, not an object literal: a media type such as "constructor" must not find Object's prototype.
const MEDIA_TYPES: ReadonlyMap<string, BundleVersion> = new Map([
  ['application/vnd.dev.sigstore.bundle+json;version=0.1', '0.1'],
  ['application/vnd.dev.sigstore.bundle+json;version=0.2', '0.2'],
  ['application/vnd.dev.sigstore.bundle+json;version=0.3', '0.3'],
  [BUNDLE_V03_MEDIA_TYPE, '0.3'],
]);

/** The bundle version a media type names, or `undefined` for one we do not read. */
export function bundleVersionOf(mediaType: string): BundleVersion | undefined {
  return MEDIA_TYPES.get(mediaType);
}

/**
 * Reads a bundle from parsed JSON, enforcing what its version requires. The
 * zod schema (bundle.schema.ts) is the specification; a well-formed bundle is
 * read by a hand-written reader that gives the same result faster.
 */
export function parseBundle(json: unknown): Result<Bundle> {
  const wellFormed = readWellFormedBundle(json, bundleVersionOf);
  if (wellFormed !== undefined) {
    const problem = versionProblem(wellFormed);
    return problem ? fail(problem) : ok(wellFormed);
  }
  return parseBundleBySchema(json);
}

/** `parseBundle` through the zod schema alone: the specification the fast reader is tested against, and the writer of every error message. */
export function parseBundleBySchema(json: unknown): Result<Bundle> {
  const wire = bundleWireSchema.safeParse(json);
  if (!wire.success) return fail(`invalid bundle: ${z.prettifyError(wire.error).replace(/\n\s*/g, ' ')}`);
  const version = MEDIA_TYPES.get(wire.data.mediaType);
  if (version === undefined) return fail(`unsupported bundle media type ${JSON.stringify(wire.data.mediaType)}`);
  const bundle = fromWire(wire.data, version);
  const problem = versionProblem(bundle);
  return problem ? fail(problem) : ok(bundle);
}

/** Reads a bundle from its JSON text. */
export function parseBundleJson(text: string): Result<Bundle> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail(`bundle is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseBundle(json);
}

/**
 * One tlog entry (protobuf-specs `TransparencyLogEntry` proto-JSON, as Rekor v2
 * answers it), read exactly as `parseBundle` reads each entry of a bundle;
 * the reason names the bad field. A bundle version's own requirements (a SET,
 * a checkpoint) are the caller's to add.
 */
export function parseTlogEntry(json: unknown): Result<TlogEntry> {
  const wellFormed = readWellFormedTlogEntry(json);
  if (wellFormed !== undefined) return ok(wellFormed);
  const wire = tlogEntrySchema.safeParse(json);
  return wire.success ? ok(tlogEntryFromWire(wire.data)) : fail(z.prettifyError(wire.error).replace(/\n\s*/g, ' '));
}

function fromWire(wire: BundleWire, version: BundleVersion): Bundle {
  const vm = wire.verificationMaterial;
  const content: VerificationMaterialContent = vm.publicKey
    ? { $case: 'publicKey', hint: vm.publicKey.hint ?? '' }
    : vm.certificate
      ? { $case: 'certificate', rawBytes: vm.certificate.rawBytes }
      : { $case: 'x509CertificateChain', certificates: (vm.x509CertificateChain?.certificates ?? []).map((c) => c.rawBytes) };
  return {
    mediaType: wire.mediaType,
    version,
    verificationMaterial: {
      content,
      tlogEntries: vm.tlogEntries.map(tlogEntryFromWire),
      rfc3161Timestamps: (vm.timestampVerificationData?.rfc3161Timestamps ?? []).map((t) => t.signedTimestamp),
    },
    content: wire.dsseEnvelope
      ? { $case: 'dsseEnvelope', dsseEnvelope: wire.dsseEnvelope }
      : // The schema guarantees one of the two.
        { $case: 'messageSignature', messageSignature: wire.messageSignature as MessageSignature },
  };
}

function tlogEntryFromWire(e: TlogEntryWire): TlogEntry {
  return {
    logIndex: e.logIndex,
    logId: e.logId.keyId,
    kind: e.kindVersion.kind,
    version: e.kindVersion.version,
    integratedTime: e.integratedTime ?? 0,
    ...(e.inclusionPromise ? { signedEntryTimestamp: e.inclusionPromise.signedEntryTimestamp } : {}),
    ...(e.inclusionProof
      ? {
          inclusionProof: {
            logIndex: e.inclusionProof.logIndex,
            rootHash: e.inclusionProof.rootHash,
            treeSize: e.inclusionProof.treeSize,
            hashes: e.inclusionProof.hashes,
            ...(e.inclusionProof.checkpoint ? { checkpoint: e.inclusionProof.checkpoint.envelope } : {}),
          },
        }
      : {}),
    canonicalizedBody: e.canonicalizedBody,
  };
}

/** v0.1 entries carry a SET; v0.2+ entries carry an inclusion proof with a checkpoint; v0.3 has no certificate chains. */
function versionProblem(bundle: Bundle): string | undefined {
  const entries = bundle.verificationMaterial.tlogEntries;
  for (const [i, e] of entries.entries()) {
    if (bundle.version === '0.1' && !e.signedEntryTimestamp) return `tlogEntries[${i}]: a v0.1 bundle entry needs an inclusion promise`;
    if (bundle.version !== '0.1' && !e.inclusionProof) return `tlogEntries[${i}]: a v${bundle.version} bundle entry needs an inclusion proof`;
    if (bundle.version !== '0.1' && e.inclusionProof?.checkpoint === undefined) {
      return `tlogEntries[${i}]: a v${bundle.version} bundle inclusion proof needs a checkpoint`;
    }
  }
  if (bundle.version === '0.3' && bundle.verificationMaterial.content.$case === 'x509CertificateChain') {
    return 'a v0.3 bundle carries a single certificate, not a chain';
  }
  return undefined;
}
