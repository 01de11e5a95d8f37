import { z } from 'zod';
import type { EventId, NewEvent, RecordedEvent, StreamName } from '../../domain/events/event';
import { canonicalJson } from '../../domain/shared/canonical-json';
import { ENVELOPE_SIGNED } from '../../domain/signing/envelope.events';

/**
 * The offline kit, a tar archive:
 *
 *   manifest.dsse.json      DSSE envelope (payload: the manifest) signed by the ledger key
 *   events/events.ndjson    one canonical JSON event per line, in global order
 *   envelopes/<sha256>.json every archived DSSE envelope an EnvelopeSigned event names
 *   keys/keys.json          public keys of every key version (derived from the key events)
 *   ledger/checkpoint.json  the ledger checkpoint the kit is cut at (+ consistency with the previous one)
 *   ledger/proofs.ndjson    partial kits only: an inclusion proof per event
 *   tlog/entries.ndjson     the transparency-log entries EntryLogged events recorded
 *   trust/trusted_root.json optional: the trust root given at export
 */
export const KIT_FORMAT = 'attestor-kit/1';
export const MANIFEST_FILE = 'manifest.dsse.json';
export const MANIFEST_PAYLOAD_TYPE = 'application/vnd.attestor.kit-manifest+json';
export const EVENTS_FILE = 'events/events.ndjson';
export const KEYS_FILE = 'keys/keys.json';
export const CHECKPOINT_FILE = 'ledger/checkpoint.json';
export const PROOFS_FILE = 'ledger/proofs.ndjson';
export const TLOG_FILE = 'tlog/entries.ndjson';
export const TRUST_ROOT_FILE = 'trust/trusted_root.json';
export const envelopeFile = (digest: string): string => `envelopes/${digest}.json`;

/**
 * The archived envelope an event names: the signing record's, and the one a
 * submission logs (signed here or elsewhere; the transparency-log checks
 * compare each logged entry with its envelope, so the kit carries it).
 */
export function envelopeDigestOf(e: Pick<RecordedEvent, 'type' | 'data'>): string | null {
  if (e.type !== ENVELOPE_SIGNED && e.type !== 'SubmissionRequested' && e.type !== 'EntryLogged') return null;
  const digest = (e.data as { envelopeDigest?: unknown } | null)?.envelopeDigest;
  return typeof digest === 'string' ? digest : null;
}

/** The fixed mtime of every entry: kits of the same events are byte-identical. */
export const KIT_MTIME = new Date('2000-01-01T00:00:00Z');

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const KitSelectionSchema = z.strictObject({
  tenant: z.string().nullable(),
  since: z.string().nullable(),
  streams: z.array(z.string()).nullable(),
  /** Some events of the ledger's first `treeSize` are left out: events carry inclusion proofs instead of forming the whole tree. */
  partial: z.boolean(),
});
export type KitSelection = z.infer<typeof KitSelectionSchema>;

export const ManifestSchema = z.strictObject({
  format: z.literal(KIT_FORMAT),
  origin: z.string(),
  selection: KitSelectionSchema,
  checkpoint: z.strictObject({ eventId: z.string(), treeSize: z.number().int().min(0), rootHash: hex64, signedAt: z.string() }),
  counts: z.strictObject({ events: z.number().int().min(0), envelopes: z.number().int().min(0), tlogEntries: z.number().int().min(0), keys: z.number().int().min(0) }),
  files: z.array(z.strictObject({ path: z.string(), sha256: hex64, size: z.number().int().min(0) })),
});
export type KitManifest = z.infer<typeof ManifestSchema>;

export const CheckpointFileSchema = z.strictObject({
  eventId: z.string(),
  treeSize: z.number().int().min(0),
  rootHash: hex64,
  checkpoint: z.string(),
  previous: z
    .strictObject({ eventId: z.string(), treeSize: z.number().int().min(0), rootHash: hex64, consistencyProof: z.array(hex64) })
    .nullable(),
});
export type CheckpointFile = z.infer<typeof CheckpointFileSchema>;

export const ProofLineSchema = z.strictObject({ id: z.string(), leafIndex: z.number().int().min(0), hashes: z.array(hex64) });
export type ProofLine = z.infer<typeof ProofLineSchema>;

export interface KeysFile {
  readonly keys: readonly {
    readonly keyId: string;
    readonly versions: readonly { readonly version: number; readonly fingerprint: string; readonly publicKeyPem: string; readonly status: string }[];
  }[];
}

/** The canonical line of one event (without its position, which belongs to the store). */
export function eventLine(e: RecordedEvent): string {
  return canonicalJson({
    id: e.id,
    stream: e.stream,
    revision: e.revision.toString(),
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: e.metadata,
  });
}

const EventLineSchema = z.strictObject({
  id: z.string(),
  stream: z.string(),
  revision: z.string().regex(/^(0|[1-9][0-9]*)$/),
  type: z.string(),
  schemaVersion: z.number().int(),
  data: z.unknown(),
  metadata: z.strictObject({
    tenant: z.string(),
    actor: z.string(),
    correlationId: z.string(),
    causationId: z.string().nullable(),
    occurredAt: z.string(),
    prevHash: z.string(),
    hash: z.string(),
  }),
});

/**
 * Parses one line; it must be in canonical form (so the bytes hashed are the bytes read). `index` is its place in the kit.
 * `canonical: false` skips that check, for a second read of lines already verified whose events are checked again by their hashes.
 */
export function parseEventLine(line: string, index: number, options: { readonly canonical?: boolean } = {}): { ok: true; event: RecordedEvent } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: `line ${index + 1} of ${EVENTS_FILE} is not JSON` };
  }
  const parsed = EventLineSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: `line ${index + 1} of ${EVENTS_FILE} is not an event: ${parsed.error.issues[0]?.message ?? ''}` };
  const v = parsed.data;
  const event: RecordedEvent = {
    id: v.id as EventId,
    stream: v.stream as StreamName,
    revision: BigInt(v.revision),
    position: { commit: BigInt(index + 1), prepare: BigInt(index + 1) },
    type: v.type,
    schemaVersion: v.schemaVersion,
    data: v.data,
    metadata: v.metadata,
  };
  if (options.canonical !== false && eventLine(event) !== line) return { ok: false, reason: `line ${index + 1} of ${EVENTS_FILE} is not in canonical form` };
  return { ok: true, event };
}

/** The event as the store is asked to append it (what an import sends): its id, type, version, data and given metadata. */
export function toNewEvent(e: RecordedEvent): NewEvent {
  const m = e.metadata;
  return {
    id: e.id,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: { tenant: m.tenant, actor: m.actor, correlationId: m.correlationId, causationId: m.causationId, occurredAt: m.occurredAt },
  };
}
