import { closeSync, mkdirSync, mkdtempSync, openSync, promises as fs, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RecordedEvent } from '../../domain/events/event';
import { KEY_MATERIAL_STREAM_CATEGORY } from '../../domain/keys/key-material';
import { isLedgerCheckpoint, type LedgerCheckpointSignedData } from '../../domain/ledger/ledger.events';
import { cachedTree, LeafHashes, ledgerLeafHash } from '../../domain/ledger/ledger-leaf';
import { canonicalJson } from '../../domain/shared/canonical-json';
import { sha256Hex } from '../../domain/shared/sha256';
import { envelopeBytes, parseEnvelope, type DsseEnvelope } from '../../domain/signing/dsse-envelope';
import { verifyDsseSignature } from '../../domain/signing/signature-verification';
import { consistencyProof, inclusionProof } from '../../domain/transparency';
import { ValidationError } from '../errors/app-error';
import { readCurrent } from '../events/read-current';
import type { EventStore } from '../ports/event-store';
import type { ObjectStore } from '../ports/object-store';
import type { LedgerCheckpointer } from '../ledger/ledger-checkpointer';
import type { LedgerKey } from '../ledger/ledger-key';
import { allEvents } from '../ledger/ledger-verification';
import {
  CHECKPOINT_FILE,
  envelopeDigestOf,
  envelopeFile,
  EVENTS_FILE,
  eventLine,
  KEYS_FILE,
  KIT_FORMAT,
  MANIFEST_FILE,
  MANIFEST_PAYLOAD_TYPE,
  PROOFS_FILE,
  TLOG_FILE,
  TRUST_ROOT_FILE,
  type CheckpointFile,
  type KitManifest,
  type KitSelection,
} from './kit-format';
import { rfc3339Ms } from '../../domain/shared/rfc3339';
import { KitKeys } from './kit-keys';
import { fileDigest, packKit, sortPaths } from './kit-tar';

export interface KitSelectionOptions {
  /** Only events of this tenant (key streams are always exported whole). */
  readonly tenant?: string;
  /** Only events that occurred at or after this RFC 3339 time. */
  readonly since?: string;
  /** Only streams starting with one of these prefixes (e.g. `envelope-`). */
  readonly streams?: readonly string[];
}

export interface ExportKitOptions extends KitSelectionOptions {
  /** Where to write the kit (a .tar file). */
  readonly out: string;
  /** A Sigstore trusted root (or attestor trust file) to carry in the kit. */
  readonly trustRootFile?: string;
  /**
   * Directory where manifest signatures are kept by manifest digest. ECDSA
   * signatures are randomised; reusing the signature of an identical manifest
   * is what makes a second export of the same events byte-identical.
   */
  readonly signatureCacheDir?: string;
}

export interface KitExportDeps {
  readonly store: EventStore;
  readonly archive: ObjectStore;
  readonly checkpointer: LedgerCheckpointer;
  readonly ledgerKey: LedgerKey;
}

export interface ExportResult {
  readonly file: string;
  readonly sha256: string;
  readonly size: number;
  readonly manifest: KitManifest;
  readonly checkpointCreated: boolean;
}


/**
 * Cuts an offline kit at a fresh ledger checkpoint (or the latest one, if
 * nothing was appended since): every event it covers (or those selected, each
 * with an inclusion proof), the checkpoint event itself, the archived
 * envelopes, the key history, transparency-log entries, and a signed manifest.
 */
export async function exportKit(deps: KitExportDeps, options: ExportKitOptions): Promise<ExportResult> {
  const selection = selectionOf(options);
  const cp = await deps.checkpointer.checkpointNow();
  const treeSize = cp.data.treeSize;
  const stage = mkdtempSync(path.join(tmpdir(), 'attestor-kit-'));
  try {
    for (const dir of ['events', 'envelopes', 'keys', 'ledger', 'tlog', 'trust']) mkdirSync(path.join(stage, dir), { recursive: true });
    const eventsOut = new LineWriter(path.join(stage, EVENTS_FILE));
    const tlogOut = new LineWriter(path.join(stage, TLOG_FILE));
    const leaves = new LeafHashes();
    const selected: { id: string; index: number }[] = [];
    const envelopes = new Set<string>();
    const keyRegistry = new KitKeys();
    let previous: { event: RecordedEvent; data: LedgerCheckpointSignedData } | null = null;
    let tlogEntries = 0;
    let found = false;
    const take = (stored: RecordedEvent, index: number): void => {
      // The events file holds the stored event; what the kit derives from it (log entries, key history) its current shape.
      const e = readCurrent(stored);
      eventsOut.write(eventLine(stored));
      if (index < treeSize) selected.push({ id: e.id, index });
      const digest = envelopeDigestOf(e);
      if (digest !== null) envelopes.add(digest);
      if (e.type === 'EntryLogged') {
        tlogOut.write(canonicalJson({ eventId: e.id, entry: e.data }));
        tlogEntries++;
      }
      keyRegistry.add(e);
    };
    let index = 0;
    for await (const e of allEvents(deps.store)) {
      if (index < treeSize) {
        leaves.push(ledgerLeafHash(e));
        if (isLedgerCheckpoint(e)) previous = { event: e, data: readCurrent(e).data as LedgerCheckpointSignedData };
        if (!selection.partial || selects(e, options)) take(e, index);
      } else if (e.id === cp.eventId) {
        take(e, index);
        found = true;
        break;
      }
      index++;
    }
    eventsOut.close();
    tlogOut.close();
    if (!found) throw new Error(`the checkpoint ${cp.eventId} just made is not in the store`);

    const tree = cachedTree(leaves, treeSize);
    if (selection.partial) {
      const proofs = new LineWriter(path.join(stage, PROOFS_FILE));
      for (const s of selected) {
        proofs.write(canonicalJson({ id: s.id, leafIndex: s.index, hashes: inclusionProof(tree, s.index, treeSize).map((h) => h.toString('hex')) }));
      }
      proofs.close();
    }

    for (const digest of [...envelopes].sort()) {
      const bytes = await deps.archive.get(digest);
      if (bytes === null) throw new Error(`envelope ${digest} is recorded as signed but missing from the archive; restore it before exporting`);
      await fs.writeFile(path.join(stage, envelopeFile(digest)), bytes);
    }

    const keys = keyRegistry.file();
    await fs.writeFile(path.join(stage, KEYS_FILE), canonicalJson(keys));

    const prev = previous;
    const checkpointFile: CheckpointFile = {
      eventId: cp.eventId,
      treeSize,
      rootHash: cp.data.rootHash,
      checkpoint: cp.data.checkpoint,
      previous:
        prev === null
          ? null
          : {
              eventId: prev.event.id,
              treeSize: prev.data.treeSize,
              rootHash: prev.data.rootHash,
              consistencyProof: prev.data.treeSize === 0 ? [] : consistencyProof(tree, prev.data.treeSize, treeSize).map((h) => h.toString('hex')),
            },
    };
    await fs.writeFile(path.join(stage, CHECKPOINT_FILE), canonicalJson(checkpointFile));
    if (options.trustRootFile !== undefined) await fs.copyFile(options.trustRootFile, path.join(stage, TRUST_ROOT_FILE));

    const files = await listFiles(stage);
    const manifest: KitManifest = {
      format: KIT_FORMAT,
      origin: cp.data.origin,
      selection,
      checkpoint: { eventId: cp.eventId, treeSize, rootHash: cp.data.rootHash, signedAt: cp.data.signedAt },
      counts: { events: eventsOut.lines, envelopes: envelopes.size, tlogEntries, keys: keys.keys.length },
      files: await Promise.all(sortPaths(files).map(async (f) => ({ path: f, ...(await fileDigest(path.join(stage, f))) }))),
    };
    const envelope = await signManifest(deps.ledgerKey, Buffer.from(canonicalJson(manifest), 'utf8'), options.signatureCacheDir);
    await fs.writeFile(path.join(stage, MANIFEST_FILE), envelopeBytes(envelope));
    await packKit(stage, [...files, MANIFEST_FILE], options.out);
    const digest = await fileDigest(options.out);
    return { file: options.out, sha256: digest.sha256, size: digest.size, manifest, checkpointCreated: cp.created };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function selectionOf(options: KitSelectionOptions): KitSelection {
  if (options.since !== undefined && Number.isNaN(rfc3339Ms(options.since))) {
    throw new ValidationError(`--since must be an RFC 3339 time such as 2026-03-03T14:00:00Z, got ${JSON.stringify(options.since)}`);
  }
  const streams = options.streams === undefined || options.streams.length === 0 ? null : [...options.streams].sort();
  const tenant = options.tenant ?? null;
  const since = options.since === undefined ? null : new Date(options.since).toISOString();
  return { tenant, since, streams, partial: tenant !== null || since !== null || streams !== null };
}

function selects(e: RecordedEvent, options: KitSelectionOptions): boolean {
  if (e.stream.startsWith('key-')) return true; // the key history is always whole: verification needs it
  if (e.stream.startsWith(`${KEY_MATERIAL_STREAM_CATEGORY}-`)) return true; // as are the key-material claims that go with it
  if (options.tenant !== undefined && e.metadata.tenant !== options.tenant) return false;
  if (options.since !== undefined && Date.parse(e.metadata.occurredAt) < Date.parse(options.since)) return false;
  if (options.streams !== undefined && options.streams.length > 0 && !options.streams.some((p) => e.stream.startsWith(p))) return false;
  return true;
}

async function signManifest(key: LedgerKey, payload: Buffer, cacheDir: string | undefined): Promise<DsseEnvelope> {
  const signer = await key.current();
  const cacheFile = cacheDir === undefined ? undefined : path.join(cacheDir, `${sha256Hex(payload)}-${signer.fingerprint.slice(0, 16)}.dsse.json`);
  if (cacheFile !== undefined) {
    const cached = await fs.readFile(cacheFile, 'utf8').catch(() => null);
    if (cached !== null) {
      const parsed = parseEnvelope(JSON.parse(cached));
      const sig = parsed.ok ? parsed.envelope.signatures[0] : undefined;
      if (parsed.ok && sig !== undefined && parsed.envelope.payload === payload.toString('base64') && sig.keyid === signer.fingerprint && verifyDsseSignature(parsed.envelope, sig, signer.publicKeyPem)) {
        return parsed.envelope;
      }
    }
  }
  const { envelope } = await key.signDsse(MANIFEST_PAYLOAD_TYPE, payload);
  if (cacheFile !== undefined && cacheDir !== undefined) {
    await fs.mkdir(cacheDir, { recursive: true, mode: 0o700 });
    await fs.writeFile(cacheFile, envelopeBytes(envelope));
  }
  return envelope;
}

async function listFiles(root: string, dir = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(root, rel)));
    else out.push(rel);
  }
  return out;
}

/** Buffered line output: a million lines without a million writes. */
class LineWriter {
  private readonly fd: number;
  private chunk: string[] = [];
  private size = 0;
  lines = 0;

  constructor(file: string) {
    this.fd = openSync(file, 'w', 0o644);
  }

  write(line: string): void {
    this.chunk.push(line);
    this.size += line.length;
    this.lines++;
    if (this.size > 1 << 20) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.chunk.length === 0) return;
    writeSync(this.fd, `${this.chunk.join('\n')}\n`);
    this.chunk = [];
    this.size = 0;
  }
}
