import anyTest, { type TestFn } from 'ava';
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, promises as fs, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import type { RecordedEvent } from '../../domain/events/event';
import { eventContentHash } from '../../domain/events/event-hash';
import { ledgerLeafHash } from '../../domain/ledger/ledger-leaf';
import { isLedgerCheckpoint, type LedgerCheckpointSignedData } from '../../domain/ledger/ledger.events';
import { canonicalJson } from '../../domain/shared/canonical-json';
import { envelopeBytes } from '../../domain/signing/dsse-envelope';
import { formatCheckpointBody, formatVerifierKey, noteVerifierFor, parseTrustedRoot, rootOf, treeOfLeafHashes } from '../../domain/transparency';
import { FilesystemObjectStore } from '../../adapters/object-store/filesystem.object-store';
import { withSigning } from '../../src/cli/commands/signing-context';
import { loadConfig } from '../../src/config/config';
import { CHECKPOINT_FILE, EVENTS_FILE, eventLine, KEYS_FILE, MANIFEST_FILE, MANIFEST_PAYLOAD_TYPE, parseEventLine, PROOFS_FILE, TLOG_FILE, TRUST_ROOT_FILE, type CheckpointFile, type KeysFile, type KitManifest } from '../../src/kit/kit-format';
import { extractKit, fileDigest, packKit } from '../../src/kit/kit-tar';
import { parseTrust } from '../../src/kit/kit-trust';
import { verifyKit, type KitReport } from '../../src/kit/kit-verify';
import type { LedgerKey } from '../../src/ledger/ledger-key';
import { buildLedger } from '../../src/ledger/ledger.composition';
import { loadLedgerConfig } from '../../src/ledger/ledger.config';
import { startService } from '../../src/server';
import { aKey, aStatementFor, getJson, postJson } from '../support/api';
import { anEcdsaSigner, signEnvelope } from '../support/dsse';
import { tempDir } from '../support/temp-dir';

/**
 * The offline kit over the real pipeline: a running service signs and logs
 * in-toto statements in its embedded transparency log, rotates the key and
 * verifies; then, with the service stopped, the real CLI exports a kit, which
 * is verified with no network (every envelope signature, every log proof with
 * the log keys of the service's trusted root), imported elsewhere and rebuilt
 * to the same read-model digests.
 */
interface Source {
  /** Removed after all tests. */
  readonly dir: string;
  readonly dataDir: string;
  readonly kit: string;
  /** `GET /api/v1/trusted-root`, saved while the service ran. */
  readonly trustedRootFile: string;
  /** Every envelope logged: signed by the service, and one signed elsewhere. */
  readonly logged: readonly string[];
  /** Those the service signed (they have an EnvelopeSigned event). */
  readonly signedHere: readonly string[];
  /** A time after the key rotation and before the last entry: for `replay --as-of`. */
  readonly afterRotation: string;
}

const test = anyTest as TestFn<Source>;
const hex = (s: string): string => createHash('sha256').update(s).digest('hex');
const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');
/** Preloaded into offline CLI runs (never imported here: it disables the network of the process that loads it). */
const NO_NETWORK = join(__dirname, '..', 'support', 'no-network.js');
/** The exit code test/support/no-network.ts ends a process with when it tries the network. */
const NO_NETWORK_EXIT_CODE = 97;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...args], { env, maxBuffer: 64 << 20, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The CLI as an operator runs it (`node dist/src/cli/main.js …`). `offline`: any socket, DNS or fetch kills it with exit 97. */
function attestor(args: readonly string[], options: { offline?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ATTESTOR_'))), ...options.env };
  if (options.offline) Object.assign(env, { HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', ATTESTOR_S3_ENDPOINT: 'http://127.0.0.1:9' });
  return run([...(options.offline ? ['--require', NO_NETWORK] : []), CLI, ...args], env);
}

function digestsOf(rebuild: Run): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of rebuild.stdout.split('\n').filter((l) => l.includes('\t'))) {
    const [name, digest] = line.split('\t');
    if (name !== undefined && digest !== undefined) out[name] = digest;
  }
  return out;
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} never happened`);
}

test.before(async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'attestor-kit-e2e-'));
  const dataDir = join(dir, 'source');
  const trustedRootFile = join(dir, 'trusted_root.json');
  const logged: string[] = [];
  const signedHere: string[] = [];
  let afterRotation = '';
  const service = await startService(loadConfig({ ATTESTOR_DATA_DIR: dataDir, ATTESTOR_PORT: '0' }), winston.createLogger({ silent: true }));
  try {
    const key = await aKey(service.url);
    const signAndSubmit = async (name: string): Promise<string> => {
      const res = await postJson(`${service.url}/api/v1/rekor/entries`, { sign: { keyId: key.keyId, statement: aStatementFor(name, hex(name)) } });
      if (res.status !== 201) throw new Error(`sign-and-submit ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      const digest = String(res.body['envelopeDigest']);
      logged.push(digest);
      signedHere.push(digest);
      return digest;
    };
    for (let i = 0; i < 4; i++) await signAndSubmit(`release-${i}.tar.gz`);

    // An envelope signed elsewhere, submitted with its signer's key.
    const outsider = anEcdsaSigner();
    const external = await postJson(`${service.url}/api/v1/rekor/entries`, { envelope: signEnvelope(outsider, aStatementFor('vendor.bin', hex('vendor'))), verifier: outsider.publicKeyPem });
    if (external.status !== 201) throw new Error(`external submission: ${external.status} ${JSON.stringify(external.body)}`);
    logged.push(String(external.body['envelopeDigest']));

    const rotated = await postJson(`${service.url}/api/v1/keys/${key.keyId}/rotate`, {});
    if (rotated.status !== 200 || (rotated.body['versions'] as unknown[]).length !== 2) throw new Error(`rotate: ${rotated.status} ${JSON.stringify(rotated.body)}`);
    await new Promise((r) => setTimeout(r, 5));
    afterRotation = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await signAndSubmit('release-after-rotation.tar.gz');

    // Verify the first envelope (signed with the rotated-out version) through the service.
    const first = logged[0]!;
    const envelope = (await getJson(`${service.url}/api/v1/envelopes/${first}`)).body;
    await waitFor(async () => ((await getJson(`${service.url}/api/v1/entries?envelopeDigest=${first}`)).body['entries'] as unknown[]).length > 0, 'the entry cache catching up');
    const verified = await postJson(`${service.url}/api/v1/verify`, { envelope });
    if (verified.status !== 200 || verified.body['verified'] !== true) throw new Error(`verify: ${verified.status} ${JSON.stringify(verified.body)}`);

    const trustedRoot = await getJson(`${service.url}/api/v1/trusted-root`);
    writeFileSync(trustedRootFile, JSON.stringify(trustedRoot.body, null, 2));
  } finally {
    await service.close();
  }

  const kit = join(dir, 'kit.tar');
  const exported = await attestor(['export', '--out', kit, '--data-dir', dataDir, '--trust-root', trustedRootFile]);
  if (exported.code !== 0) throw new Error(`export: ${exported.code} ${exported.stderr}`);
  t.context = { dir, dataDir, kit, trustedRootFile, logged, signedHere, afterRotation };
});

test.after.always((t) => {
  if (t.context.dir) rmSync(t.context.dir, { recursive: true, force: true });
});

test('the kit holds the archived envelopes, the log entries with proofs and checkpoints, the key history, the trust root, the ledger checkpoint and proofs, and a signed manifest', async (t) => {
  const { kit, logged, signedHere, trustedRootFile, dataDir } = t.context;
  const dir = tempDir(t);
  await fs.mkdir(join(dir, 'x'));
  await fs.mkdir(join(dir, 'p'));
  const { files, problems } = await extractKit(kit, join(dir, 'x'));
  t.deepEqual(problems, []);
  const read = (f: string): string => readFileSync(join(dir, 'x', f), 'utf8');

  const envelope = JSON.parse(read(MANIFEST_FILE)) as { payloadType: string; payload: string; signatures: { keyid: string }[] };
  t.is(envelope.payloadType, MANIFEST_PAYLOAD_TYPE);
  t.is(envelope.signatures.length, 1);
  const manifest = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as KitManifest;
  t.false(manifest.selection.partial);
  t.deepEqual(manifest.counts, { events: manifest.counts.events, envelopes: logged.length, tlogEntries: logged.length, keys: 2 });
  t.deepEqual(
    manifest.files.map((f) => f.path),
    files.filter((f) => f !== MANIFEST_FILE),
  );

  // The archived DSSE envelopes, content-addressed, byte for byte as the source archived them.
  for (const digest of logged) {
    const bytes = readFileSync(join(dir, 'x', 'envelopes', `${digest}.json`));
    t.is(createHash('sha256').update(bytes).digest('hex'), digest);
    t.deepEqual(bytes, await new FilesystemObjectStore(join(dataDir, 'archive')).get(digest));
  }

  // The events, ending with the ledger checkpoint.
  const events = read(EVENTS_FILE).trimEnd().split('\n').map((l, i) => {
    const parsed = parseEventLine(l, i);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.event;
  });
  const count = (type: string): number => events.filter((e) => e.type === type).length;
  t.is(count('EnvelopeSigned'), signedHere.length);
  t.is(count('SubmissionRequested'), logged.length);
  t.is(count('EntryLogged'), logged.length);
  t.is(count('KeyRotated'), 1);
  t.is(count('VerificationPerformed'), 1);
  t.true(isLedgerCheckpoint(events.at(-1)!));
  t.is(events.length, manifest.counts.events);

  // The transparency-log entries: proof, log checkpoint, SET and bundle-form entry of each.
  const entries = read(TLOG_FILE).trimEnd().split('\n').map((l) => JSON.parse(l) as { eventId: string; entry: Record<string, unknown> & { inclusionProof: { treeSize: number; hashes: string[] }; checkpoint: string } });
  t.is(entries.length, logged.length);
  t.deepEqual(new Set(entries.map((e) => e.entry['envelopeDigest'])), new Set(logged));
  for (const { eventId, entry } of entries) {
    t.true(events.some((e) => e.id === eventId && e.type === 'EntryLogged'));
    t.regex(entry.checkpoint, /^tlog\.attestor\.local - \d+\n\d+\n/);
    t.is(entry.inclusionProof.hashes.length > 0, entry.inclusionProof.treeSize > 1);
    t.regex(String(entry['set']), /^[A-Za-z0-9+/]+=*$/);
    t.truthy((entry['tlogEntry'] as { canonicalizedBody?: string }).canonicalizedBody);
  }

  // The key history: the rotated key with both versions, and the ledger key.
  const keys = JSON.parse(read(KEYS_FILE)) as KeysFile;
  t.deepEqual(keys.keys.map((k) => k.versions.length).sort(), [1, 2]);
  t.true(keys.keys.some((k) => k.keyId === 'ledger'));

  // The trust root, as the service published it; the ledger checkpoint the kit is cut at.
  t.deepEqual(JSON.parse(read(TRUST_ROOT_FILE)), JSON.parse(readFileSync(trustedRootFile, 'utf8')));
  const checkpoint = JSON.parse(read(CHECKPOINT_FILE)) as CheckpointFile;
  t.is(checkpoint.treeSize, events.length - 1);
  t.is(checkpoint.rootHash, manifest.checkpoint.rootHash);
  t.regex(checkpoint.checkpoint, new RegExp(`^attestor-ledger\\n${checkpoint.treeSize}\\n`));

  // A partial kit (the attestation streams only) carries an inclusion proof per event against the same checkpoint.
  const partial = join(dir, 'partial.tar');
  const exported = await attestor(['export', '--out', partial, '--streams', 'envelope-,submission-', '--data-dir', dataDir, '--trust-root', trustedRootFile]);
  t.is(exported.code, 0, exported.stderr);
  t.false((JSON.parse(exported.stdout) as { checkpointCreated: boolean }).checkpointCreated, 'nothing was appended since the first export');
  const p = await extractKit(partial, join(dir, 'p'));
  t.true(p.files.includes(PROOFS_FILE));
  const proofs = readFileSync(join(dir, 'p', PROOFS_FILE), 'utf8').trimEnd().split('\n');
  const partialEvents = readFileSync(join(dir, 'p', EVENTS_FILE), 'utf8').trimEnd().split('\n');
  t.is(proofs.length, partialEvents.length - 1, 'one proof per event but the checkpoint');
  const report = JSON.parse((await attestor(['kit', 'verify', partial, '--trust', trustedRootFile, '--json'], { offline: true })).stdout) as KitReport;
  t.true(report.ok, report.failures.join('\n'));
  t.is(report.stats?.tlog.checkpointSignatures, logged.length);
  t.true(report.checks.some((c) => c.name === 'ledger inclusion proofs' && c.ok));
});

test('kit verify --trust trusted_root.json --json checks every envelope signature and every log proof, with no network', async (t) => {
  const { kit, logged, dataDir, trustedRootFile } = t.context;
  const dir = tempDir(t);

  // The guard is real: a CLI run that tried the network would die with its exit code.
  const probeFetch = await run(['--require', NO_NETWORK, '-e', "fetch('http://127.0.0.1:9/').catch(() => undefined)"], process.env);
  t.is(probeFetch.code, NO_NETWORK_EXIT_CODE);
  const probeSocket = await run(['--require', NO_NETWORK, '-e', "require('node:net').connect(9, '127.0.0.1').on('error', () => undefined)"], process.env);
  t.is(probeSocket.code, NO_NETWORK_EXIT_CODE);

  const bare = await attestor(['kit', 'verify', kit, '--trust', trustedRootFile, '--json'], { offline: true });
  t.is(bare.code, 0, bare.stderr + bare.stdout);
  const report = JSON.parse(bare.stdout) as KitReport;
  t.true(report.ok, report.failures.join('\n'));
  t.deepEqual(report.stats, {
    envelopes: { total: logged.length, signaturesVerified: logged.length },
    tlog: { entries: logged.length, inclusionProofs: logged.length, checkpointSignatures: logged.length, sets: logged.length, bodies: logged.length },
  });
  t.false(report.warnings.some((w) => /not checked/.test(w)), report.warnings.join('\n'));

  // Pinned: the ledger key fingerprint as `attestor keys show ledger` prints it, and the log keys of the trusted root.
  const ledger = JSON.parse((await attestor(['keys', 'show', 'ledger', '--data-dir', dataDir])).stdout) as { versions: { fingerprint: string }[] };
  const trustFile = join(dir, 'trust.json');
  writeFileSync(trustFile, JSON.stringify({ ledgerKeys: ledger.versions.map((v) => v.fingerprint), trustedRoot: JSON.parse(readFileSync(trustedRootFile, 'utf8')) as unknown }));
  const pinned = await attestor(['kit', 'verify', kit, '--trust', trustFile], { offline: true });
  t.is(pinned.code, 0, pinned.stdout);
  t.regex(pinned.stdout, /^VERIFIED/);
  t.regex(pinned.stdout, new RegExp(`✓ transparency-log proofs: ${logged.length} entries: ${logged.length} inclusion proofs, ${logged.length} checkpoint signatures, ${logged.length} SETs, ${logged.length} entry bodies verified`));
  t.notRegex(pinned.stdout, /! /, 'no warning: ledger key pinned, every log signature checked');
});

test('imported into a fresh data dir, the kit restores every envelope: a service there serves and verifies them, and the copy exports a kit that verifies', async (t) => {
  const { kit, dataDir, trustedRootFile, logged, signedHere } = t.context;
  const dir = tempDir(t);
  const offline = join(dir, 'offline');
  const imported = await attestor(['import', kit, '--trust', trustedRootFile, '--data-dir', offline, '--no-progress'], { offline: true });
  t.is(imported.code, 0, imported.stderr);
  t.regex(imported.stdout, new RegExp(`; ${new Set(logged).size} envelopes archived`));
  const again = await attestor(['import', kit, '--trust', trustedRootFile, '--data-dir', offline, '--no-progress'], { offline: true });
  t.is(again.code, 0, again.stderr);
  t.regex(again.stdout, /^already imported: the store holds all \d+ events of the kit\n$/, 'the second import writes no envelope either');

  const service = await startService(loadConfig({ ATTESTOR_DATA_DIR: offline, ATTESTOR_PORT: '0' }), winston.createLogger({ silent: true }));
  try {
    for (const digest of logged) {
      const res = await fetch(`${service.url}/api/v1/envelopes/${digest}`);
      t.is(res.status, 200, digest);
      const bytes = Buffer.from(await res.arrayBuffer());
      t.is(createHash('sha256').update(bytes).digest('hex'), digest);
      t.deepEqual(bytes, await new FilesystemObjectStore(join(dataDir, 'archive')).get(digest), 'the same bytes as the source archive');
    }
    for (const digest of signedHere) {
      const verdict = await getJson(`${service.url}/api/v1/envelopes/${digest}/verification`);
      t.is(verdict.status, 200, JSON.stringify(verdict.body));
      t.is(verdict.body['valid'], true, JSON.stringify(verdict.body));
    }
  } finally {
    await service.close();
  }

  const copy = join(dir, 'copy.tar');
  // A kit carries no private key: the copy signs its kit with the ledger key where the source kept it (here its key directory).
  const exported = await attestor(['export', '--out', copy, '--data-dir', offline], { offline: true, env: { ATTESTOR_KEYS_DIR: join(dataDir, 'keys') } });
  t.is(exported.code, 0, exported.stderr);
  const verified = await attestor(['kit', 'verify', copy, '--trust', trustedRootFile], { offline: true });
  t.is(verified.code, 0, verified.stdout);
  t.regex(verified.stdout, /^VERIFIED/);
});

test('imported into a fresh data dir, the kit rebuilds the same read-model digests as the source; rebuild --from kit.tar and replay --as-of agree', async (t) => {
  const { kit, dataDir, trustedRootFile, afterRotation } = t.context;
  const offline = join(tempDir(t), 'offline');

  const imported = await attestor(['import', kit, '--trust', trustedRootFile, '--data-dir', offline, '--no-progress'], { offline: true });
  t.is(imported.code, 0, imported.stderr);
  t.regex(imported.stdout, /^imported \d+ events/);
  const ledgerVerify = await attestor(['ledger', 'verify', '--data-dir', offline], { offline: true });
  t.is(ledgerVerify.code, 0, ledgerVerify.stdout);

  const [source, copy, fromKit] = await Promise.all([
    attestor(['projections', 'rebuild', '--data-dir', dataDir, '--no-progress']),
    attestor(['projections', 'rebuild', '--data-dir', offline, '--no-progress'], { offline: true }),
    attestor(['projections', 'rebuild', '--from', kit, '--trust', trustedRootFile, '--no-progress', '--data-dir', join(offline, '..', 'unused')], { offline: true }),
  ]);
  for (const r of [source, copy, fromKit]) t.is(r.code, 0, r.stderr);
  const expected = digestsOf(source);
  t.true(Object.keys(expected).length >= 5, source.stdout);
  t.deepEqual(digestsOf(copy), expected);
  t.deepEqual(digestsOf(fromKit), expected);
  t.regex(fromKit.stderr, /verified \(sha256 [0-9a-f]{64}\); \d+ events imported into a scratch store/);

  const [sourceAsOf, copyAsOf] = await Promise.all([
    attestor(['replay', '--as-of', afterRotation, '--json', '--data-dir', dataDir]),
    attestor(['replay', '--as-of', afterRotation, '--json', '--data-dir', offline], { offline: true }),
  ]);
  t.is(copyAsOf.code, 0, copyAsOf.stderr);
  const models = (r: Run): { projection: string; digest: string }[] => (JSON.parse(r.stdout) as { readModels: { projection: string; digest: string }[] }).readModels;
  t.deepEqual(models(copyAsOf), models(sourceAsOf));
  t.true(
    models(copyAsOf).some((m) => m.digest !== expected[m.projection]),
    'as of the rotation is not the end',
  );
});

test('rebuild --from a damaged kit is refused, and the scratch store is removed', async (t) => {
  const { kit, trustedRootFile } = t.context;
  const dir = tempDir(t);
  const bad = join(dir, 'bad.tar');
  const bytes = readFileSync(kit);
  bytes[2048] = (bytes[2048] ?? 0) ^ 0x20;
  writeFileSync(bad, bytes);
  const scratch = join(dir, 'tmp');
  await fs.mkdir(scratch);
  const refused = await attestor(['projections', 'rebuild', '--from', bad, '--trust', trustedRootFile, '--no-progress', '--data-dir', join(dir, 'unused')], { offline: true, env: { TMPDIR: scratch } });
  t.is(refused.code, 1);
  t.regex(refused.stderr, /refused: kit .* failed verification: /);
  t.is(refused.stdout, '');
  t.deepEqual(await fs.readdir(scratch), [], 'the scratch directories are removed');
});

// ---- tampering ----------------------------------------------------------------------------------

/** The source's own ledger key (what an insider holds), for the length of `work`. */
function withLedgerKey<T>(dataDir: string, work: (key: LedgerKey) => Promise<T>): Promise<T> {
  return withSigning(dataDir, (c) => work(buildLedger(loadLedgerConfig(), c.container).ledgerKey));
}

/**
 * Extracts the kit, lets `mutate` change files, then rewrites the manifest
 * (new file digests, `manifestChanges`) and either keeps the old signature
 * (an outsider cannot sign) or re-signs it with the ledger key (an insider).
 */
async function rewrite(
  kit: string,
  out: string,
  mutate: (dir: string) => Promise<Partial<KitManifest> | void>,
  manifestSignature: 'untouched' | 'stale' | LedgerKey,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attestor-forge-'));
  try {
    const { files } = await extractKit(kit, dir);
    const changes = (await mutate(dir)) ?? {};
    if (manifestSignature !== 'untouched') {
      const envelope = JSON.parse(await fs.readFile(join(dir, MANIFEST_FILE), 'utf8')) as { payload: string; payloadType: string; signatures: { keyid: string; sig: string }[] };
      const manifest = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as KitManifest;
      const forged: KitManifest = {
        ...manifest,
        ...changes,
        files: await Promise.all(manifest.files.map(async (f) => ({ path: f.path, ...(await fileDigest(join(dir, f.path))) }))),
      };
      const payload = Buffer.from(canonicalJson(forged), 'utf8');
      const signed = manifestSignature === 'stale' ? { ...envelope, payload: payload.toString('base64') } : (await manifestSignature.signDsse(MANIFEST_PAYLOAD_TYPE, payload)).envelope;
      await fs.writeFile(join(dir, MANIFEST_FILE), envelopeBytes(signed));
    }
    await packKit(dir, files, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Flips one hex digit of the first proof hash of the first entry that has one, in tlog/entries.ndjson, byte-wise. */
async function flipTlogProofHash(dir: string): Promise<void> {
  const file = join(dir, TLOG_FILE);
  const text = await fs.readFile(file, 'utf8');
  const lines = text.split('\n');
  const index = lines.findIndex((l) => l !== '' && (JSON.parse(l) as { entry: { inclusionProof: { hashes: string[] } } }).entry.inclusionProof.hashes.length > 0);
  const line = lines[index]!;
  const hash = (JSON.parse(line) as { entry: { inclusionProof: { hashes: string[] } } }).entry.inclusionProof.hashes[0]!;
  const at = line.indexOf(`"hashes":["${hash}`) + '"hashes":["'.length + 10;
  lines[index] = `${line.slice(0, at)}${line[at] === '0' ? '1' : '0'}${line.slice(at + 1)}`;
  await fs.writeFile(file, lines.join('\n'));
}

const failedChecks = (report: KitReport): string[] => report.checks.filter((c) => !c.ok).map((c) => c.name);
const detailOf = (report: KitReport, name: string): string => report.checks.find((c) => c.name === name)?.detail ?? '';

test('a byte flipped in an EntryLogged proof hash of the kit is caught: by the file digest, by the manifest signature when the digest is recomputed, and by the log proof check when an insider re-signs the manifest', async (t) => {
  const { kit, dataDir, trustedRootFile } = t.context;
  const dir = tempDir(t);
  const trust = parseTrust(JSON.parse(readFileSync(trustedRootFile, 'utf8')), trustedRootFile);
  t.true((await verifyKit(kit, { trust })).ok);

  // An outsider flips the byte.
  const flipped = join(dir, 'flipped.tar');
  await rewrite(kit, flipped, flipTlogProofHash, 'untouched');
  const r1 = await verifyKit(flipped, { trust });
  t.false(r1.ok);
  t.deepEqual(failedChecks(r1), ['file digests', 'transparency-log proofs']);
  t.regex(detailOf(r1, 'file digests'), new RegExp(`${TLOG_FILE} has SHA-256`));
  t.regex(detailOf(r1, 'transparency-log proofs'), /is not what EntryLogged event .* recorded, and .*inclusion proof: /);

  // … and recomputes the file digest in the manifest, but cannot sign it.
  const redigested = join(dir, 'redigested.tar');
  await rewrite(kit, redigested, flipTlogProofHash, 'stale');
  const r2 = await verifyKit(redigested, { trust });
  t.deepEqual(failedChecks(r2), ['manifest signature', 'transparency-log proofs']);
  t.is(detailOf(r2, 'manifest signature'), 'the DSSE signature does not verify');

  // An insider with the ledger key re-signs the manifest: the ledger checks pass, the log proof check does not.
  const resigned = join(dir, 'resigned.tar');
  await withLedgerKey(dataDir, (key) => rewrite(kit, resigned, flipTlogProofHash, key));
  const r3 = await verifyKit(resigned, { trust });
  t.deepEqual(failedChecks(r3), ['transparency-log proofs']);
  t.regex(detailOf(r3, 'transparency-log proofs'), /inclusion proof: /);
});

test('an insider holding the ledger key who forges a log proof inside the EntryLogged event, re-chains the events, re-signs the ledger checkpoint and the manifest is caught by the log proof check alone', async (t) => {
  const { kit, dataDir, trustedRootFile } = t.context;
  const dir = tempDir(t);
  const trust = parseTrust(JSON.parse(readFileSync(trustedRootFile, 'utf8')), trustedRootFile);
  const forged = join(dir, 'forged.tar');
  await withLedgerKey(dataDir, (key) => rewrite(kit, forged, (d) => forgeEntryProof(d, key), key));
  const report = await verifyKit(forged, { trust });
  t.deepEqual(failedChecks(report), ['transparency-log proofs'], report.failures.join('\n'));
  const detail = detailOf(report, 'transparency-log proofs');
  t.regex(detail, /inclusion proof: /);
  t.regex(detail, /tlog\.inclusion-proof: proof does not lead from the entry to its root hash/);

  // A trusted root whose log key is someone else's: the checkpoints and SETs of the genuine kit do not verify.
  const root = JSON.parse(readFileSync(trustedRootFile, 'utf8')) as { tlogs: { publicKey: { rawBytes: string } }[] };
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  for (const log of root.tlogs) log.publicKey.rawBytes = other;
  const wrong = await verifyKit(kit, { trust: parseTrust(root, 'other-root') });
  t.deepEqual(failedChecks(wrong), ['transparency-log proofs']);
  t.regex(detailOf(wrong, 'transparency-log proofs'), /tlog\.checkpoint: .*|tlog\.set: signed entry timestamp does not verify/);
});

/**
 * The insider's forgery: a proof hash of one EntryLogged event altered (in
 * both its hex and bundle forms, consistently), every later event of its
 * stream re-hashed, the ledger root recomputed and the checkpoint note
 * re-signed with the ledger key, checkpoint.json and tlog/entries.ndjson
 * rewritten. Returns the manifest changes.
 */
async function forgeEntryProof(dir: string, key: LedgerKey): Promise<Partial<KitManifest>> {
  const lines = (await fs.readFile(join(dir, EVENTS_FILE), 'utf8')).trimEnd().split('\n');
  let events: RecordedEvent[] = lines.map((l, i) => {
    const parsed = parseEventLine(l, i);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.event;
  });
  type Proofs = { inclusionProof: { hashes: string[] }; tlogEntry: { inclusionProof: { hashes: string[] } } };
  const k = events.findIndex((e) => e.type === 'EntryLogged' && (e.data as Proofs).inclusionProof.hashes.length > 0);
  const target = events[k]!;
  const data = structuredClone(target.data) as Proofs;
  const hash = Buffer.from(data.inclusionProof.hashes[0]!, 'hex');
  hash[7] = (hash[7] ?? 0) ^ 0x01;
  data.inclusionProof.hashes[0] = hash.toString('hex');
  data.tlogEntry.inclusionProof.hashes[0] = hash.toString('base64');

  const last = new Map<string, string>();
  events = events.map((e, i) => {
    let out = i === k ? { ...e, data } : e;
    if (i >= k && e.stream === target.stream) {
      const metadata = { ...out.metadata, prevHash: last.get(e.stream) ?? out.metadata.prevHash };
      out = { ...out, metadata: { ...metadata, hash: eventContentHash({ ...out, metadata }) } };
    }
    last.set(out.stream, out.metadata.hash);
    return out;
  });

  const cpIndex = events.length - 1;
  const cp = events[cpIndex]!;
  const cpData = cp.data as LedgerCheckpointSignedData;
  if (events.slice(0, cpIndex).some((e) => isLedgerCheckpoint(e))) throw new Error('an earlier ledger checkpoint covers the forged event: this forgery would have to re-sign it too');
  const root = rootOf(treeOfLeafHashes(events.slice(0, cpData.treeSize).map((e) => ledgerLeafHash(e))));
  const { note } = await key.signNote(formatCheckpointBody({ origin: cpData.origin, size: cpData.treeSize, rootHash: root, extensions: [] }), cpData.origin);
  const newData: LedgerCheckpointSignedData = { ...cpData, rootHash: root.toString('hex'), checkpoint: note };
  const cpMetadata = { ...cp.metadata };
  events[cpIndex] = { ...cp, data: newData, metadata: { ...cpMetadata, hash: eventContentHash({ ...cp, data: newData, metadata: cpMetadata }) } };

  await fs.writeFile(join(dir, EVENTS_FILE), `${events.map(eventLine).join('\n')}\n`);
  const checkpoint = JSON.parse(await fs.readFile(join(dir, CHECKPOINT_FILE), 'utf8')) as CheckpointFile;
  await fs.writeFile(join(dir, CHECKPOINT_FILE), canonicalJson({ ...checkpoint, rootHash: newData.rootHash, checkpoint: note }));
  const tlogLines = (await fs.readFile(join(dir, TLOG_FILE), 'utf8')).trimEnd().split('\n');
  const rewritten = tlogLines.map((l) => ((JSON.parse(l) as { eventId: string }).eventId === target.id ? canonicalJson({ eventId: target.id, entry: data }) : l));
  await fs.writeFile(join(dir, TLOG_FILE), `${rewritten.join('\n')}\n`);
  const manifest = JSON.parse(Buffer.from((JSON.parse(await fs.readFile(join(dir, MANIFEST_FILE), 'utf8')) as { payload: string }).payload, 'base64').toString('utf8')) as KitManifest;
  return { checkpoint: { ...manifest.checkpoint, rootHash: newData.rootHash } };
}

test('kit verify works from the kit alone too: without --trust the kit’s own trust root gives the log keys, with a warning', async (t) => {
  const { kit, logged } = t.context;
  t.true(existsSync(kit));
  const r = await attestor(['kit', 'verify', kit, '--json'], { offline: true });
  t.is(r.code, 0, r.stdout);
  const report = JSON.parse(r.stdout) as KitReport;
  t.true(report.ok);
  t.is(report.stats?.tlog.sets, logged.length);
  t.true(report.warnings.some((w) => /kit's own trust\/trusted_root\.json/.test(w)));
  t.true(report.warnings.some((w) => /ledger key is the one the kit itself records/.test(w)));
});

test('with only the logs’ C2SP verifier keys (no trusted root), proofs, checkpoint signatures and bodies are checked, SETs reported unchecked', async (t) => {
  const { kit, logged, trustedRootFile } = t.context;
  const root = parseTrustedRoot(JSON.parse(readFileSync(trustedRootFile, 'utf8')));
  if (!root.ok) throw new Error(root.reason);
  const logKeys = root.value.tlogs.map((log) => {
    const verifier = noteVerifierFor(log.keyName, log.publicKey);
    if (!verifier.ok) throw new Error(verifier.reason);
    return formatVerifierKey(verifier.value, log.publicKey);
  });
  const report = await verifyKit(kit, { trust: parseTrust({ logKeys }, 'log-keys.json') });
  t.true(report.ok, report.failures.join('\n'));
  t.deepEqual(report.stats?.tlog, { entries: logged.length, inclusionProofs: logged.length, checkpointSignatures: logged.length, sets: 0, bodies: logged.length });
  t.true(report.warnings.some((w) => w.startsWith(`${logged.length} signed entry timestamp(s) not checked`)));

  // Someone else's log key: every checkpoint signature fails.
  const other = generateKeyPairSync('ed25519').publicKey;
  const otherVerifier = noteVerifierFor('tlog.attestor.local', other);
  if (!otherVerifier.ok) throw new Error(otherVerifier.reason);
  const wrong = await verifyKit(kit, { trust: parseTrust({ logKeys: [formatVerifierKey(otherVerifier.value, other)] }, 'other-keys.json') });
  t.deepEqual(failedChecks(wrong), ['transparency-log proofs']);
  t.regex(detailOf(wrong, 'transparency-log proofs'), /checkpoint signature: /);
});
