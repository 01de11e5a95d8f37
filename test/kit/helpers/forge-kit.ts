/**
 * An insider's forgery: rewrites a kit's events, re-chains every stream,
 * recomputes every ledger root, and re-signs the checkpoints and the manifest
 * with whatever key the attacker holds. Used to show that such kits fail.
 */
import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '../../../domain/events/event';
import { eventContentHash } from '../../../domain/events/event-hash';
import { LeafHashes, ledgerLeafHash } from '../../../domain/ledger/ledger-leaf';
import { canonicalJson } from '../../../domain/shared/canonical-json';
import { envelopeBytes, pae } from '../../../domain/signing/dsse-envelope';
import { consistencyProof, formatCheckpointBody, formatSignedNote, rootOf } from '../../../domain/transparency';
import { spkiKeyId } from '../../../domain/transparency/note-key';
import { eventLine, parseEventLine } from '../../../src/kit/kit-format';
import { extractKit, fileDigest, packKit } from '../../../src/kit/kit-tar';
import { loadKey } from '../../../src/signing/key-stream';
import type { LedgerFixture } from './ledger-fixture';

export interface Forgery {
  readonly publicKey: KeyObject;
  readonly sign: (bytes: Buffer) => Buffer | Promise<Buffer>;
  readonly manifestKeyid: string;
  readonly mutateEvent: (e: RecordedEvent) => RecordedEvent | undefined;
  readonly mutateKeysFile?: (keys: { keys: { keyId: string; versions: { publicKeyPem: string; status: string }[] }[] }) => unknown;
  /** Fields forced into every checkpoint event (e.g. a back-dated signedAt). */
  readonly checkpointData?: Record<string, unknown>;
}

export function signerOf(privateKey: KeyObject): (bytes: Buffer) => Buffer {
  return (bytes) => sign('sha256', bytes, privateKey);
}

/** An insider holding the ledger key's current version: what is forged is re-signed with the real key. */
export async function withTheLedgerKey(f: LedgerFixture): Promise<Pick<Forgery, 'publicKey' | 'sign' | 'manifestKeyid'>> {
  const { state } = await loadKey(f.store, 'ledger');
  if (!state.exists) throw new Error('no ledger key');
  const ledger = state.versions.at(-1)!;
  return { publicKey: createPublicKey(ledger.publicKeyPem), sign: (bytes) => f.providers.get('file').sign(ledger.providerRef, bytes), manifestKeyid: ledger.fingerprint };
}

export async function forgeKit(source: string, out: string, forgery: Forgery): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attestor-forge-'));
  try {
    const { files } = await extractKit(source, dir);
    const lines = readFileSync(join(dir, 'events/events.ndjson'), 'utf8').split('\n').filter(Boolean);
    const heads = new Map<string, string>();
    const leaves = new LeafHashes();
    const written: string[] = [];
    const checkpoints: Record<string, unknown>[] = [];
    for (const [i, line] of lines.entries()) {
      const parsed = parseEventLine(line, i);
      if (!parsed.ok) throw new Error(parsed.reason);
      let e = forgery.mutateEvent(parsed.event) ?? parsed.event;
      if (e.type === 'LedgerCheckpointSigned') {
        const d = { ...(e.data as Record<string, unknown>), ...forgery.checkpointData } as Record<string, unknown> & { origin: string; treeSize: number };
        const root = rootOf(leaves.reader(), d.treeSize);
        const body = formatCheckpointBody({ origin: d.origin, size: d.treeSize, rootHash: root, extensions: [] });
        const signature = await forgery.sign(Buffer.from(body));
        d['rootHash'] = root.toString('hex');
        d['checkpoint'] = formatSignedNote({ text: body, signatures: [{ name: d.origin, keyId: spkiKeyId(forgery.publicKey), signature }] });
        e = { ...e, data: d };
        checkpoints.push(d);
      }
      const metadata = { ...e.metadata, prevHash: heads.get(e.stream) ?? e.metadata.prevHash };
      const hash = eventContentHash({ ...e, metadata });
      e = { ...e, metadata: { ...metadata, hash } };
      heads.set(e.stream, hash);
      leaves.push(ledgerLeafHash(e));
      written.push(eventLine(e));
    }
    writeFileSync(join(dir, 'events/events.ndjson'), `${written.join('\n')}\n`);
    if (forgery.mutateKeysFile) {
      const keys = JSON.parse(readFileSync(join(dir, 'keys/keys.json'), 'utf8')) as Parameters<NonNullable<Forgery['mutateKeysFile']>>[0];
      writeFileSync(join(dir, 'keys/keys.json'), canonicalJson(forgery.mutateKeysFile(keys)));
    }
    const last = checkpoints.at(-1)!;
    const cpFile = JSON.parse(readFileSync(join(dir, 'ledger/checkpoint.json'), 'utf8')) as Record<string, unknown> & { previous?: Record<string, unknown> };
    cpFile['rootHash'] = last['rootHash'];
    cpFile['checkpoint'] = last['checkpoint'];
    if (cpFile.previous) {
      const prev = checkpoints.at(-2)!;
      cpFile.previous['rootHash'] = prev['rootHash'];
      cpFile.previous['consistencyProof'] = consistencyProof(leaves.reader(), prev['treeSize'] as number, last['treeSize'] as number).map((h) => h.toString('hex'));
    }
    writeFileSync(join(dir, 'ledger/checkpoint.json'), canonicalJson(cpFile));
    const envelope = JSON.parse(readFileSync(join(dir, 'manifest.dsse.json'), 'utf8')) as { payload: string; payloadType: string };
    const manifest = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { checkpoint: Record<string, unknown>; files: { path: string }[] };
    manifest.checkpoint['rootHash'] = last['rootHash'];
    manifest.checkpoint['signedAt'] = last['signedAt'];
    manifest.files = await Promise.all(manifest.files.map(async (x) => ({ path: x.path, ...(await fileDigest(join(dir, x.path))) })));
    const payload = Buffer.from(canonicalJson(manifest));
    const sig = await forgery.sign(pae(envelope.payloadType, payload));
    writeFileSync(join(dir, 'manifest.dsse.json'), envelopeBytes({ payload: payload.toString('base64'), payloadType: envelope.payloadType, signatures: [{ keyid: forgery.manifestKeyid, sig: sig.toString('base64') }] }));
    await packKit(dir, files, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
