import { z } from 'zod';
import { BUNDLE_V03_MEDIA_TYPE, parseTlogEntry, type Bundle, type TlogEntry } from './bundle';
import { bundleToJson } from './bundle.write';
import { readDsseBase64 } from '../signing/dsse-base64';
import { decodeBase64, decodeHex } from './bytes';
import { HASH_SIZE } from './merkle.hash';
import { fail, ok, type Result } from './result';

/**
 * Pure mappings from what Rekor answers to the bundle form of a log entry
 * (`TlogEntry`), and from a DSSE envelope plus its entry to a v0.3 bundle.
 * They decode and shape; they do not decide whether the log is to be
 * believed (that is the log client's job, with `verifyInclusion`,
 * `openCheckpoint`, `verifySet`).
 */

/** A Rekor v1 `LogEntry` value (sigstore/rekor openapi.yaml), decoded. */
export interface RekorV1Entry {
  /** The entry's key in the response map: a 64-hex UUID or an 80-hex entry ID. */
  readonly id: string;
  /** The 64-hex UUID part of `id`. */
  readonly uuid: string;
  readonly entry: TlogEntry;
}

const hexBytes = z.string().transform((text, ctx) => {
  const bytes = decodeHex(text);
  if (!bytes) {
    ctx.addIssue({ code: 'custom', message: 'not hex' });
    return z.NEVER;
  }
  return bytes;
});
const hash32Hex = hexBytes.refine((b) => b.length === HASH_SIZE, 'not a 32-byte hash');
const strictBase64 = z.string().transform((text, ctx) => {
  const bytes = decodeBase64(text);
  if (!bytes || bytes.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'not non-empty base64' });
    return z.NEVER;
  }
  return bytes;
});
const safeInt = z.number().int().nonnegative().refine(Number.isSafeInteger, 'integer is out of range');

const v1EntrySchema = z.object({
  body: strictBase64,
  integratedTime: safeInt,
  logID: hash32Hex,
  logIndex: safeInt,
  verification: z.object({
    signedEntryTimestamp: strictBase64.optional(),
    inclusionProof: z
      .object({
        logIndex: safeInt,
        rootHash: hash32Hex,
        treeSize: safeInt,
        hashes: z.array(hash32Hex),
        checkpoint: z.string().min(1).optional(),
      })
      .optional(),
  }),
});

const ENTRY_KEY = /^(?:[0-9a-f]{16})?[0-9a-f]{64}$/;

/**
 * Reads a Rekor v1 answer (`{ "<uuid or entry ID>": LogEntry }`, from POST or
 * GET /api/v1/log/entries) with exactly one entry.
 */
export function rekorV1EntryFromResponse(json: unknown): Result<RekorV1Entry> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return fail('Rekor v1 answer is not a JSON object');
  const keys = Object.keys(json);
  if (keys.length !== 1) return fail(`Rekor v1 answer holds ${keys.length} entries, expected 1`);
  const id = keys[0] as string;
  if (!ENTRY_KEY.test(id)) return fail(`Rekor v1 entry key ${JSON.stringify(id.slice(0, 100))} is neither a UUID nor an entry ID`);
  const entry = tlogEntryFromRekorV1((json as Record<string, unknown>)[id]);
  return entry.ok ? ok({ id, uuid: id.slice(-64), entry: entry.value }) : entry;
}

/**
 * Rekor v1 LogEntry → bundle TlogEntry: kind and version from the body,
 * log ID and hashes from hex, the SET as the inclusion promise, the
 * shard-local proof index kept apart from the virtual log index.
 */
export function tlogEntryFromRekorV1(json: unknown): Result<TlogEntry> {
  const parsed = v1EntrySchema.safeParse(json);
  if (!parsed.success) return fail(`malformed Rekor v1 entry: ${z.prettifyError(parsed.error).replace(/\n\s*/g, ' ')}`);
  const e = parsed.data;
  const kv = kindVersionOf(e.body);
  if (!kv.ok) return kv;
  const proof = e.verification.inclusionProof;
  return ok({
    logIndex: e.logIndex,
    logId: e.logID,
    kind: kv.value.kind,
    version: kv.value.version,
    integratedTime: e.integratedTime,
    ...(e.verification.signedEntryTimestamp ? { signedEntryTimestamp: e.verification.signedEntryTimestamp } : {}),
    ...(proof
      ? {
          inclusionProof: {
            logIndex: proof.logIndex,
            rootHash: proof.rootHash,
            treeSize: proof.treeSize,
            hashes: proof.hashes,
            ...(proof.checkpoint !== undefined ? { checkpoint: proof.checkpoint } : {}),
          },
        }
      : {}),
    canonicalizedBody: e.body,
  });
}

/**
 * Rekor v2 TransparencyLogEntry (proto-JSON) → bundle TlogEntry, read as a
 * bundle's entry is (`parseTlogEntry`). A v2 entry always carries an inclusion
 * proof of 32-byte hashes with its checkpoint; its integrated time ("0" or
 * absent) is dropped, as clients must not rely on it.
 */
export function tlogEntryFromRekorV2(json: unknown): Result<TlogEntry> {
  const parsed = parseTlogEntry(json);
  if (!parsed.ok) return fail(`malformed Rekor v2 entry: ${parsed.reason}`);
  const e = parsed.value;
  const proof = e.inclusionProof;
  if (proof?.checkpoint === undefined) return fail('malformed Rekor v2 entry: it needs an inclusion proof with its checkpoint');
  if (proof.rootHash.length !== HASH_SIZE || proof.hashes.some((h) => h.length !== HASH_SIZE)) return fail('malformed Rekor v2 entry: inclusion proof hashes must be 32 bytes');
  const kv = kindVersionOf(e.canonicalizedBody);
  if (!kv.ok) return kv;
  if (kv.value.kind !== e.kind || kv.value.version !== e.version) {
    return fail(`entry says ${e.kind}/${e.version} but its body is ${kv.value.kind}/${kv.value.version}`);
  }
  return ok({ ...e, integratedTime: 0 });
}

/** `kind` and `apiVersion` of a canonicalized Rekor body. */
export function kindVersionOf(canonicalizedBody: Uint8Array): Result<{ readonly kind: string; readonly version: string }> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(canonicalizedBody).toString('utf8'));
  } catch {
    return fail('entry body is not JSON');
  }
  // Plain checks: a zod schema built here was compiled anew for every entry a log answered with.
  const header = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  const { kind, apiVersion } = header;
  if (typeof kind !== 'string' || kind === '' || typeof apiVersion !== 'string' || apiVersion === '') return fail('entry body has no kind/apiVersion');
  return ok({ kind, version: apiVersion });
}

/** A DSSE envelope as JSON (DSSE base64 strings; dsse-base64.ts), as signers produce it. */
export interface DsseEnvelopeJson {
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly { readonly keyid?: string; readonly sig: string }[];
}

/**
 * A v0.3 Sigstore bundle (proto-JSON) for a DSSE envelope signed with a
 * managed key and logged as `tlogEntry`. A bundle carries exactly one
 * signature; `publicKeyHint` tells verifiers which key to use.
 */
export function bundleForDsse(
  envelope: DsseEnvelopeJson,
  tlogEntry: TlogEntry,
  options: { readonly publicKeyHint: string },
): Result<Record<string, unknown>> {
  if (envelope.signatures.length !== 1) return fail(`a bundle envelope has exactly one signature, this one has ${envelope.signatures.length}`);
  const [signature] = envelope.signatures;
  const payload = readDsseBase64(envelope.payload);
  const sig = readDsseBase64(signature?.sig ?? '');
  if (!payload.ok) return fail(`envelope payload is not canonical base64: ${payload.reason}`);
  if (payload.bytes.length === 0) return fail('envelope payload is empty');
  if (!sig.ok) return fail(`signatures[0].sig is not canonical base64: ${sig.reason}`);
  if (sig.bytes.length === 0) return fail('signatures[0].sig is empty');
  if (!envelope.payloadType) return fail('envelope has no payloadType');
  if (!tlogEntry.inclusionProof?.checkpoint) return fail('a v0.3 bundle entry needs an inclusion proof with its checkpoint');
  const bundle: Bundle = {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    version: '0.3',
    verificationMaterial: {
      content: { $case: 'publicKey', hint: options.publicKeyHint },
      tlogEntries: [tlogEntry],
      rfc3161Timestamps: [],
    },
    content: {
      $case: 'dsseEnvelope',
      dsseEnvelope: { payload: payload.bytes, payloadType: envelope.payloadType, signatures: [{ keyid: signature?.keyid ?? '', sig: sig.bytes }] },
    },
  };
  return ok(bundleToJson(bundle));
}
