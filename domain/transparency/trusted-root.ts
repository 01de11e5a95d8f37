import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { bytesEqual } from './bytes';
import { nonEmptyBytes } from './bundle.schema';
import { fail, ok, type Result } from './result';

/**
 * The parts of a Sigstore trusted root (protobuf-specs `sigstore_trustroot.proto`)
 * that our transparency-log checks use: the logs, their keys and the periods
 * in which each key may be trusted. The rest (CAs, CT logs, TSAs) is kept as
 * the original JSON for the certificate checks.
 */
export interface TransparencyLog {
  readonly baseUrl: string;
  /** The log's name in checkpoint signature lines: the host of its base URL. */
  readonly keyName: string;
  readonly logId: Buffer;
  readonly publicKey: KeyObject;
  readonly keyDetails: string;
  readonly validFor: { readonly start: Date; readonly end?: Date };
}

export interface TrustedRoot {
  readonly mediaType: string;
  readonly tlogs: readonly TransparencyLog[];
  /** The document as given, for code that needs the parts not modelled here. */
  readonly json: unknown;
}

const timestamp = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/** protobuf-specs marks `start` as required: a missing start is a malformed root, not "since forever". */
const timeRange = z.object({ start: timestamp, end: timestamp.optional() }, { error: 'validFor must have a start' });

const tlogSchema = z.object({
  baseUrl: z.string().url(),
  hashAlgorithm: z.literal('SHA2_256').optional(),
  publicKey: z.object({
    rawBytes: nonEmptyBytes,
    keyDetails: z.string(),
    validFor: timeRange,
  }),
  logId: z.object({ keyId: nonEmptyBytes }),
});

const trustedRootSchema = z.looseObject({
  mediaType: z.string().startsWith('application/vnd.dev.sigstore.trustedroot'),
  tlogs: z.array(tlogSchema).default([]),
});

export function parseTrustedRoot(json: unknown): Result<TrustedRoot> {
  const parsed = trustedRootSchema.safeParse(json);
  if (!parsed.success) return fail(`invalid trusted root: ${z.prettifyError(parsed.error).replace(/\n\s*/g, ' ')}`);
  const tlogs: TransparencyLog[] = [];
  for (const [i, t] of parsed.data.tlogs.entries()) {
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: t.publicKey.rawBytes, format: 'der', type: t.publicKey.keyDetails.startsWith('PKCS1_') ? 'pkcs1' : 'spki' });
    } catch {
      return fail(`invalid trusted root: tlogs[${i}] public key cannot be read`);
    }
    const { start, end } = t.publicKey.validFor;
    if (end && end < start) return fail(`invalid trusted root: tlogs[${i}] validity ends before it starts`);
    tlogs.push({
      baseUrl: t.baseUrl,
      keyName: new URL(t.baseUrl).host,
      logId: t.logId.keyId,
      publicKey,
      keyDetails: t.publicKey.keyDetails,
      validFor: end ? { start, end } : { start },
    });
  }
  return ok({ mediaType: parsed.data.mediaType, tlogs, json });
}

/**
 * The log that issued an entry, by log ID, provided its key was valid at every
 * one of `times` (inclusive bounds: TimeRange is a closed interval).
 */
export function findTransparencyLog(root: TrustedRoot, logId: Uint8Array, times: readonly Date[]): Result<TransparencyLog> {
  const log = root.tlogs.find((t) => bytesEqual(t.logId, logId));
  if (!log) return fail(`log ${Buffer.from(logId).toString('base64')} is not in the trusted root`);
  for (const at of times) {
    if (at < log.validFor.start || (log.validFor.end !== undefined && at > log.validFor.end)) {
      return fail(`key of log ${log.baseUrl} is not valid at ${at.toISOString()}`);
    }
  }
  return ok(log);
}
