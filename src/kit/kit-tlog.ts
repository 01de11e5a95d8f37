import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { DsseEnvelope } from '../../domain/signing/dsse-envelope';
import {
  BUNDLE_V03_MEDIA_TYPE,
  entryUuid,
  leafHash,
  matchEntryBody,
  openCheckpoint,
  parseBundle,
  parseCheckpointBody,
  parseEntryBody,
  parseSignedNote,
  verifyInclusion,
  type TlogEntry,
} from '../../domain/transparency';
import { BundleBatchVerifier } from '../../domain/transparency/bundle.batch-verify';
import { bundleSigner } from '../../domain/transparency/bundle-signer';
import type { KitTrust } from './kit-trust';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'not a lower-case hex SHA-256');

/** The fields of an `EntryLogged` event the offline checks read (domain/attestations/submission.events.ts). */
const LoggedEntrySchema = z.object({
  log: z.string(),
  uuid: z.string(),
  logIndex: z.number().int().min(0),
  integratedTime: z.number().int().nullable(),
  inclusionProof: z.strictObject({
    logIndex: z.number().int().min(0),
    rootHash: hex64,
    treeSize: z.number().int().min(1),
    hashes: z.array(hex64),
  }),
  checkpoint: z.string(),
  set: z.string().nullable(),
  tlogEntry: z.record(z.string(), z.unknown()),
  envelopeDigest: hex64,
  loggedAt: z.string(),
});
export type LoggedEntry = z.infer<typeof LoggedEntrySchema>;

/** How many of each transparency-log check passed, over every entry of a kit. */
export interface TlogStats {
  entries: number;
  /** Entries whose inclusion proof leads from the entry body's leaf to the proof's root. */
  inclusionProofs: number;
  /** Entries whose checkpoint (committing to that root) is signed by a trusted log key. */
  checkpointSignatures: number;
  /** Entries whose signed entry timestamp verifies with the log key (entries that carry one). */
  sets: number;
  /** Entries whose body (envelope hash, payload hash, signature, signer) matches the kit's envelope. */
  bodies: number;
}

interface CheckOutcome {
  readonly problems: string[];
  readonly checkpointChecked: boolean;
  readonly setChecked: boolean;
}

/** What `entry` is, in messages. */
export function describeEntry(data: unknown): string {
  const d = (typeof data === 'object' && data !== null ? data : {}) as { uuid?: unknown; log?: unknown };
  return `entry ${typeof d.uuid === 'string' ? d.uuid.slice(0, 16) : '?'}… of log ${typeof d.log === 'string' ? d.log : '?'}`;
}

/**
 * Verifies the transparency-log entries `EntryLogged` events recorded, with
 * the domain verifier and no network: each entry is put in a Sigstore bundle
 * with its envelope and checked by `BundleBatchVerifier` (the same checks as
 * `verifyBundle`: inclusion proof, checkpoint signed by the log key of the
 * trusted root, root hash, SET, entry body against the envelope and its
 * signer, log key valid at the entry's time). Entries of logs the trusted root
 * does not list (or when only C2SP `logKeys` are trusted) are checked piece by
 * piece: `verifyInclusion`, `openCheckpoint` with the log keys, the body
 * match; their SETs cannot be checked without a log public key and are
 * counted as unchecked.
 */
export class KitTlogVerifier {
  readonly stats: TlogStats = { entries: 0, inclusionProofs: 0, checkpointSignatures: 0, sets: 0, bodies: 0 };
  uncheckedCheckpoints = 0;
  uncheckedSets = 0;
  private readonly verifiers = new Map<string, BundleBatchVerifier>();
  private readonly keys = new Map<string, KeyObject | null>();

  constructor(private readonly trust: KitTrust | undefined) {}

  /**
   * Every problem of one entry (empty: verified). `envelope` is the kit's
   * envelope the entry names (null: missing); `signerPem` the key that
   * verifies its signature (from the key history or the submission record).
   * `count` false: checked, but not counted in the stats (a second copy).
   */
  verify(data: unknown, envelope: DsseEnvelope | null, signerPem: string | null, count = true): string[] {
    const problems: string[] = [];
    const parsed = LoggedEntrySchema.safeParse(data);
    if (!parsed.success) return [`not a complete EntryLogged entry: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`];
    const d = parsed.data;
    if (count) this.stats.entries++;
    if (envelope === null) return [`its envelope ${d.envelopeDigest} is not in the kit`];

    const certificate = signerPem !== null && signerPem.includes('-----BEGIN CERTIFICATE-----') ? certificateDer(signerPem) : null;
    const bundleJson = {
      mediaType: BUNDLE_V03_MEDIA_TYPE,
      verificationMaterial: {
        ...(certificate !== null ? { certificate: { rawBytes: certificate.toString('base64') } } : { publicKey: { hint: envelope.signatures[0]?.keyid ?? '' } }),
        tlogEntries: [d.tlogEntry],
      },
      dsseEnvelope: { payload: envelope.payload, payloadType: envelope.payloadType, signatures: envelope.signatures.map((s) => ({ sig: s.sig, keyid: s.keyid ?? '' })) },
    };
    const bundle = parseBundle(bundleJson);
    if (!bundle.ok) return [`its bundle-form entry (tlogEntry) is unusable: ${bundle.reason}`];
    const entry = bundle.value.verificationMaterial.tlogEntries[0];
    if (entry === undefined || entry.inclusionProof === undefined) return ['its bundle-form entry has no inclusion proof'];

    // The event's own fields and its bundle-form entry must say the same thing: a proof altered in one is not vouched for by the other.
    problems.push(...disagreements(d, entry));

    // The recorded proof leads from the entry's leaf to the root the checkpoint commits to.
    const inclusion = verifyInclusion(
      { leafIndex: d.inclusionProof.logIndex, treeSize: d.inclusionProof.treeSize, hashes: d.inclusionProof.hashes.map((h) => Buffer.from(h, 'hex')) },
      leafHash(entry.canonicalizedBody),
      Buffer.from(d.inclusionProof.rootHash, 'hex'),
    );
    if (!inclusion.ok) problems.push(`inclusion proof: ${inclusion.reason}`);
    const note = parseSignedNote(d.checkpoint);
    const body = note.ok ? parseCheckpointBody(note.value.text) : note;
    if (!body.ok) problems.push(`checkpoint: ${body.reason}`);
    else if (body.value.size !== d.inclusionProof.treeSize || body.value.rootHash.toString('hex') !== d.inclusionProof.rootHash) {
      problems.push(`checkpoint: it commits to size ${body.value.size}, root ${body.value.rootHash.toString('hex').slice(0, 16)}…, the proof to size ${d.inclusionProof.treeSize}, root ${d.inclusionProof.rootHash.slice(0, 16)}…`);
    }
    if (signerPem === null) {
      problems.push("no key in the kit verifies the envelope's signature, so the entry's signer cannot be compared with it");
      return problems;
    }

    const root = this.trust?.trustedRoot;
    const result =
      root !== undefined && root.tlogs.some((t) => t.logId.equals(entry.logId))
        ? this.asBundle(bundleJson, d, entry, signerPem, certificate !== null)
        : this.pieceByPiece(d, bundle.value, signerPem, certificate !== null);
    problems.push(...result.problems);
    if (count && problems.length === 0) {
      this.stats.inclusionProofs++;
      this.stats.bodies++;
      if (result.checkpointChecked) this.stats.checkpointSignatures++;
      else this.uncheckedCheckpoints++;
      if (result.setChecked) this.stats.sets++;
      else if (d.set !== null) this.uncheckedSets++;
    }
    return problems;
  }

  /** The domain bundle verifier, with the trusted root: every tlog check, the log key chosen by log ID and time. */
  private asBundle(bundleJson: unknown, d: LoggedEntry, entry: TlogEntry, signerPem: string, isCertificate: boolean): CheckOutcome {
    const hasSet = entry.signedEntryTimestamp !== undefined && entry.integratedTime > 0;
    // Without an integrated time (Rekor v2), the log key must have been valid when the service received the entry.
    const at = hasSet ? '' : d.loggedAt;
    const cacheKey = `${signerPem}\n${at}`;
    let verifier = this.verifiers.get(cacheKey);
    if (verifier === undefined) {
      const publicKey = isCertificate ? undefined : this.keyOf(signerPem);
      verifier = new BundleBatchVerifier({
        trustedRoot: this.trust?.trustedRoot?.json,
        ...(publicKey ? { publicKey } : {}),
        ...(at !== '' && !Number.isNaN(Date.parse(at)) ? { now: new Date(at) } : {}),
      });
      if (this.verifiers.size > 256) this.verifiers.clear();
      this.verifiers.set(cacheKey, verifier);
    }
    const verdict = verifier.verify(bundleJson);
    const relevant = verdict.checks.filter((c) => c.name.startsWith('tlog') || c.name === 'bundle.parse' || c.name === 'trusted-root.parse' || c.name === 'signer');
    const problems = relevant.filter((c) => !c.ok).map((c) => `${c.name}: ${c.reason ?? 'failed'}`);
    return { problems, checkpointChecked: true, setChecked: hasSet };
  }

  /** Without a trusted root listing the log: the body match and the checkpoint signature with the trusted log keys; the SET stays unchecked. */
  private pieceByPiece(d: LoggedEntry, bundle: Parameters<typeof bundleSigner>[0], signerPem: string, isCertificate: boolean): CheckOutcome {
    const problems: string[] = [];
    const entry = bundle.verificationMaterial.tlogEntries[0]!;
    const signer = bundleSigner(bundle, isCertificate ? undefined : (this.keyOf(signerPem) ?? undefined));
    const body = parseEntryBody(entry.canonicalizedBody, entry.kind, entry.version);
    if (!body.ok) problems.push(`body: ${body.reason}`);
    else if (!signer.ok) problems.push(`body: cannot compare the entry's signer: ${signer.reason}`);
    else {
      const match = matchEntryBody(body.value, bundle.content, signer.value);
      if (!match.ok) problems.push(`body: ${match.reason}`);
    }
    const verifiers = this.trust?.logVerifiers ?? [];
    if (verifiers.length > 0) {
      const opened = openCheckpoint(d.checkpoint, verifiers);
      if (!opened.ok) problems.push(`checkpoint signature: ${opened.reason}`);
    }
    return { problems, checkpointChecked: verifiers.length > 0, setChecked: false };
  }

  private keyOf(pem: string): KeyObject | null {
    if (!this.keys.has(pem)) {
      let key: KeyObject | null;
      try {
        key = createPublicKey(pem);
      } catch {
        key = null;
      }
      if (this.keys.size > 1024) this.keys.clear();
      this.keys.set(pem, key);
    }
    return this.keys.get(pem) ?? null;
  }
}

/** The EntryLogged fields that differ from the same facts in its bundle-form entry. */
function disagreements(d: LoggedEntry, entry: TlogEntry): string[] {
  const p = entry.inclusionProof;
  const differ: string[] = [];
  if (d.uuid !== entryUuid(entry.canonicalizedBody)) differ.push('uuid (the entry body hashes to another leaf)');
  if (d.logIndex !== entry.logIndex) differ.push('logIndex');
  if ((d.integratedTime ?? 0) !== entry.integratedTime) differ.push('integratedTime');
  if (p === undefined) return [...differ, 'inclusionProof (the bundle-form entry has none)'];
  if (d.inclusionProof.logIndex !== p.logIndex) differ.push('inclusionProof.logIndex');
  if (d.inclusionProof.treeSize !== p.treeSize) differ.push('inclusionProof.treeSize');
  if (d.inclusionProof.rootHash !== p.rootHash.toString('hex')) differ.push('inclusionProof.rootHash');
  if (d.inclusionProof.hashes.length !== p.hashes.length || d.inclusionProof.hashes.some((h, i) => h !== p.hashes[i]?.toString('hex'))) differ.push('inclusionProof.hashes');
  if (d.checkpoint !== p.checkpoint) differ.push('checkpoint');
  if (d.set !== (entry.signedEntryTimestamp?.toString('base64') ?? null)) differ.push('set');
  return differ.length === 0 ? [] : [`the event's ${differ.join(', ')} disagree${differ.length === 1 ? 's' : ''} with its bundle-form entry`];
}

function certificateDer(pem: string): Buffer | null {
  try {
    return new X509Certificate(pem).raw;
  } catch {
    return null;
  }
}
