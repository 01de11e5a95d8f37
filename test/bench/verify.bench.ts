import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot as ProtoTrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { acceptDsseV001 } from '../../domain/tlog/entry-body';
import { parseDsseV001Request } from '../../domain/tlog/entry-request';
import { BundleBatchVerifier } from '../../domain/transparency/bundle.batch-verify';
import { bundleForDsse, tlogEntryFromRekorV1 } from '../../domain/transparency/bundle.from-rekor';
import { verifyBundle } from '../../domain/transparency/bundle.verify';
import { paeOf } from '../../domain/transparency/tlog-body.match';
import { rekorV1Entry } from '../../src/tlog/http/rekor-v1.routes';
import { openLocalLogs } from '../../src/tlog/local-logs';
import { aStatement, anEcdsaSigner, signEnvelope, v1DsseRequest } from '../support/dsse';
import { BUNDLE_CASES, bundleCases } from '../transparency/vectors';
import { alternating, BENCH_ROUNDS, BENCH_SECONDS, note } from './load';
import { printTable, rate, type Figure } from './table';
import type { VerifyWork, VerifyWorkResult } from './verify.worker';

const BUNDLES = Number(process.env['BENCH_VERIFY_BUNDLES'] ?? 2048);
/** Entries submitted together share one checkpoint, as concurrent submissions do on the local log. */
const PER_CHECKPOINT = Number(process.env['BENCH_VERIFY_PER_CHECKPOINT'] ?? 256);
const WORKERS = Number(process.env['BENCH_VERIFY_WORKERS'] ?? availableParallelism());

interface Corpus {
  readonly bundles: Record<string, unknown>[];
  readonly trustedRoot: Record<string, unknown>;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  readonly signed: { pae: Buffer; sig: Buffer }[];
  readonly checkpoints: number;
}

/** Signs envelopes, logs them on an in-process local log (Rekor v1 dsse) and maps each answer to a v0.3 bundle. */
export async function buildCorpus(dir: string): Promise<Corpus> {
  const logs = openLocalLogs({ dir, name: 'bench.verify.local' });
  try {
    const signer = anEcdsaSigner();
    const bundles: Record<string, unknown>[] = [];
    const signed: { pae: Buffer; sig: Buffer }[] = [];
    const checkpoints = new Set<string>();
    for (let done = 0; done < BUNDLES; done += PER_CHECKPOINT) {
      const envelopes = Array.from({ length: Math.min(PER_CHECKPOINT, BUNDLES - done) }, (_, i) => signEnvelope(signer, aStatement(`bundle-${done + i}`)));
      const results = await Promise.all(
        envelopes.map((envelope) => {
          const parsed = parseDsseV001Request(v1DsseRequest(envelope, signer));
          const accepted = parsed.ok ? acceptDsseV001(parsed.value) : parsed;
          if (!accepted.ok) throw new Error(accepted.reason);
          return logs.v1.submit(accepted.entry);
        }),
      );
      results.forEach((result, i) => {
        // The v1 API's answer for the entry, as a client would have received it after this batch.
        const entry = tlogEntryFromRekorV1(rekorV1Entry(logs.v1, result.leaf));
        if (!entry.ok) throw new Error(entry.reason);
        const envelope = envelopes[i]!;
        const bundle = bundleForDsse(envelope, entry.value, { publicKeyHint: 'bench-key' });
        if (!bundle.ok) throw new Error(bundle.reason);
        bundles.push(bundle.value);
        signed.push({ pae: paeOf({ payloadType: envelope.payloadType, payload: Buffer.from(envelope.payload, 'base64') }), sig: Buffer.from(envelope.signatures[0]!.sig, 'base64') });
        checkpoints.add(entry.value.inclusionProof?.checkpoint ?? '');
      });
    }
    return { bundles, trustedRoot: logs.trustedRoot(), publicKey: signer.publicKey, publicKeyPem: signer.publicKeyPem, signed, checkpoints: checkpoints.size };
  } finally {
    logs.close();
  }
}

/** @sigstore/verify 3.1.1 as a caller that keeps its trust material uses it: parse the bundle, verify (SET, inclusion proof, checkpoint, body, signature). */
function sigstoreJs(corpus: Corpus): { verifyOne(bundle: unknown): void; verifyCold(bundle: unknown): void } {
  const keyFinder = (): { publicKey: KeyObject; validFor: () => boolean } => ({ publicKey: corpus.publicKey, validFor: () => true });
  const verifier = new Verifier(toTrustMaterial(ProtoTrustedRoot.fromJSON(corpus.trustedRoot), keyFinder), { tlogThreshold: 1, ctlogThreshold: 0 });
  return {
    verifyOne: (bundle) => void verifier.verify(toSignedEntity(bundleFromJSON(bundle))),
    // Trust material from the root JSON for every bundle, as verifyBundle takes it.
    verifyCold: (bundle) =>
      void new Verifier(toTrustMaterial(ProtoTrustedRoot.fromJSON(corpus.trustedRoot), keyFinder), { tlogThreshold: 1, ctlogThreshold: 0 }).verify(toSignedEntity(bundleFromJSON(bundle))),
  };
}

/** The parts of a v0.3 bundle's proto-JSON that the tampering below touches. */
interface WireBundle {
  dsseEnvelope: { payload: string; signatures: { sig: string }[] };
  verificationMaterial: {
    tlogEntries: {
      integratedTime: string;
      inclusionPromise: { signedEntryTimestamp: string };
      inclusionProof: { hashes: string[]; checkpoint: { envelope: string } };
    }[];
  };
}

/** Bundles that must fail, each changed in one place the verifiers check. */
function tampered(corpus: Corpus): { name: string; bundle: unknown; publicKey?: KeyObject }[] {
  const base = corpus.bundles[1] as unknown as WireBundle;
  const other = (corpus.bundles[PER_CHECKPOINT + 2] ?? corpus.bundles[2]) as unknown as WireBundle;
  const entryOf = (b: WireBundle) => b.verificationMaterial.tlogEntries[0]!;
  const edit = (name: string, change: (b: WireBundle, entry: ReturnType<typeof entryOf>) => void): { name: string; bundle: unknown } => {
    const copy = structuredClone(base);
    change(copy, entryOf(copy));
    return { name, bundle: copy };
  };
  const flip = (b64: string): string => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[bytes.length - 3]! ^= 0x01;
    return bytes.toString('base64');
  };
  return [
    edit('envelope signature', (b) => (b.dsseEnvelope.signatures[0]!.sig = flip(b.dsseEnvelope.signatures[0]!.sig))),
    edit('payload', (b) => (b.dsseEnvelope.payload = Buffer.from('{"_type":"x"}').toString('base64'))),
    edit('SET', (_, e) => (e.inclusionPromise.signedEntryTimestamp = flip(e.inclusionPromise.signedEntryTimestamp))),
    edit('integrated time', (_, e) => (e.integratedTime = String(Number(e.integratedTime) + 1))),
    edit('inclusion proof hash', (_, e) => (e.inclusionProof.hashes[0] = flip(e.inclusionProof.hashes[0]!))),
    edit('checkpoint signature', (_, e) => {
      const [head, line] = e.inclusionProof.checkpoint.envelope.split('\n— ');
      const [name, value] = (line ?? '').trim().split(' ');
      e.inclusionProof.checkpoint.envelope = `${head ?? ''}\n— ${name ?? ''} ${flip(value ?? '')}\n`;
    }),
    edit('checkpoint of another batch', (_, e) => (e.inclusionProof.checkpoint = structuredClone(entryOf(other).inclusionProof.checkpoint))),
    edit('entry of another bundle', (b) => (b.verificationMaterial.tlogEntries = structuredClone(other.verificationMaterial.tlogEntries))),
    { name: 'another key', bundle: base, publicKey: anEcdsaSigner().publicKey },
  ];
}

/**
 * What the figures stand on: every bundle verifies with all three verifiers;
 * each tampered bundle is rejected by ours, with the same verdict from the
 * batch verifier as from verifyBundle; the conformance cases get the same
 * outcome from both of ours.
 */
function checkCorpus(corpus: Corpus): string {
  const batch = new BundleBatchVerifier({ trustedRoot: corpus.trustedRoot, publicKey: corpus.publicKey });
  const js = sigstoreJs(corpus);
  corpus.bundles.forEach((b, i) => {
    if (!batch.verify(b).verified) throw new Error(`verify bench: bundle ${i} does not verify (batch)`);
    js.verifyOne(b);
    if (i % 64 === 0 && !verifyBundle(b, { trustedRoot: corpus.trustedRoot, publicKey: corpus.publicKey }).verified) throw new Error(`verify bench: bundle ${i} does not verify`);
  });
  const rejected: string[] = [];
  const sigstoreAccepted: string[] = [];
  for (const t of tampered(corpus)) {
    const options = { trustedRoot: corpus.trustedRoot, publicKey: t.publicKey ?? corpus.publicKey };
    const ours = verifyBundle(t.bundle, options);
    const fast = new BundleBatchVerifier(options);
    fast.verify(corpus.bundles[0]); // a warm cache must not let a bad bundle through
    const theirs = fast.verify(t.bundle);
    if (ours.verified || theirs.verified || JSON.stringify(ours) !== JSON.stringify(theirs)) throw new Error(`verify bench: tampered bundle (${t.name}) handled differently`);
    rejected.push(t.name);
    try {
      (t.publicKey === undefined ? js : sigstoreJs({ ...corpus, publicKey: t.publicKey })).verifyOne(t.bundle);
      sigstoreAccepted.push(t.name);
    } catch {
      // rejected, as it should be
    }
  }
  let conformance = 'conformance vectors not found';
  if (existsSync(BUNDLE_CASES)) {
    const cases = bundleCases();
    let same = 0;
    for (const c of cases) {
      const options = {
        trustedRoot: readFileSync(c.trustedRootFile, 'utf8'),
        ...(c.keyFile !== undefined ? { publicKey: createPublicKey(readFileSync(c.keyFile, 'utf8')) } : { identity: c.identity, issuer: c.issuer }),
      };
      const artifact = readFileSync(c.artifactFile);
      const ours = verifyBundle(c.bundleText, { ...options, artifact });
      const fast = new BundleBatchVerifier(options).verify(c.bundleText, artifact);
      if (ours.verified === fast.verified && ours.verified === c.shouldVerify) same++;
      else throw new Error(`verify bench: conformance case ${c.name}: verifyBundle ${ours.verified}, batch ${fast.verified}, expected ${c.shouldVerify}`);
    }
    conformance = `${same}/${cases.length} conformance cases agree`;
  }
  const js9 = sigstoreAccepted.length === 0 ? '@sigstore/verify rejects them all too' : `@sigstore/verify accepts: ${sigstoreAccepted.join(', ')}`;
  return `${corpus.bundles.length} bundles verify with all three verifiers; ${rejected.length} tampered bundles rejected alike by ours (${rejected.join(', ')}); ${js9}; ${conformance}`;
}

/** Runs `mode` on every core at once; returns the total rate. */
async function parallel(corpus: Corpus, mode: VerifyWork['mode'], seconds: number): Promise<number> {
  const work: VerifyWork = { mode, seconds, bundles: corpus.bundles, trustedRoot: corpus.trustedRoot, publicKeyPem: corpus.publicKeyPem, signed: corpus.signed };
  const workers = Array.from({ length: WORKERS }, () => new Worker(join(__dirname, 'verify.worker.js'), { workerData: work }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    })));
    const results = await Promise.all(
      workers.map(
        (w) =>
          new Promise<VerifyWorkResult>((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
            w.postMessage('go');
          }),
      ),
    );
    if (results.some((r) => r.failures > 0)) throw new Error(`verify bench: a worker saw ${mode} failures`);
    return results.reduce((sum, r) => sum + r.count / r.seconds, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export async function benchVerify(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attestor-bench-verify-'));
  const figures: Figure[] = [];
  try {
    const corpus = await buildCorpus(dir);
    note(`verify: ${checkCorpus(corpus)}`);
    note(`verify: ${corpus.bundles.length} bundles over ${corpus.checkpoints} checkpoints (${PER_CHECKPOINT} per checkpoint)`);
    const options = { trustedRoot: corpus.trustedRoot, publicKey: corpus.publicKey };
    const batch = new BundleBatchVerifier(options);
    const js = sigstoreJs(corpus);
    const loop = (one: (i: number) => unknown) => (secs: number) => {
      let i = 0;
      return rate(secs, () => {
        for (let k = 0; k < 8; k++) one(i++);
        return 8;
      });
    };
    const b = corpus.bundles;
    const s = corpus.signed;
    const one = await alternating(BENCH_SECONDS, BENCH_ROUNDS, {
      raw: loop((i) => {
        const x = s[i % s.length]!;
        if (!verify('sha256', x.pae, corpus.publicKey, x.sig)) throw new Error('raw verify failed');
      }),
      batch: loop((i) => batch.verify(b[i % b.length])),
      reference: loop((i) => verifyBundle(b[i % b.length], options)),
      sigstore: loop((i) => js.verifyOne(b[i % b.length])),
      sigstoreCold: loop((i) => js.verifyCold(b[i % b.length])),
    });
    const ceiling = one.raw / 2;
    const many = await alternating(BENCH_SECONDS, BENCH_ROUNDS, {
      raw: (secs) => parallel(corpus, 'raw', secs),
      batch: (secs) => parallel(corpus, 'batch', secs),
    });

    figures.push({ name: 'raw node:crypto P-256 verify (1 core)', value: one.raw, unit: 'verifies/s' });
    figures.push({ name: 'ceiling: raw ÷ 2 (envelope signature + SET)', value: ceiling, unit: 'bundles/s' });
    figures.push({ name: '@sigstore/verify 3.1.1, trust material built once', value: one.sigstore, unit: 'bundles/s', baseline: { name: 'ceiling', value: ceiling } });
    figures.push({ name: '@sigstore/verify 3.1.1, trust material per bundle', value: one.sigstoreCold, unit: 'bundles/s', baseline: { name: 'ceiling', value: ceiling } });
    figures.push({ name: 'verifyBundle (per bundle, 1 core)', value: one.reference, unit: 'bundles/s', baseline: { name: 'ceiling', value: ceiling }, target: '≥ 0.80×' });
    figures.push({ name: 'verifyBundle (per bundle, 1 core)', value: one.reference, unit: 'bundles/s', baseline: { name: '@sigstore/verify, trust once', value: one.sigstore }, target: '≥ 20×' });
    figures.push({ name: 'BundleBatchVerifier (1 core)', value: one.batch, unit: 'bundles/s', baseline: { name: 'ceiling', value: ceiling }, target: '≥ 0.80×' });
    figures.push({ name: 'BundleBatchVerifier (1 core)', value: one.batch, unit: 'bundles/s', baseline: { name: '@sigstore/verify, trust once', value: one.sigstore }, target: '≥ 20×' });
    figures.push({ name: `raw P-256 verify, ${WORKERS} worker threads, per core`, value: many.raw / WORKERS, unit: 'verifies/s' });
    figures.push({
      name: `BundleBatchVerifier, ${WORKERS} worker threads, per core`,
      value: many.batch / WORKERS,
      unit: 'bundles/s',
      baseline: { name: 'parallel raw ÷ 2', value: many.raw / WORKERS / 2 },
      target: '≥ 0.80×',
    });
    figures.push({ name: `BundleBatchVerifier, ${WORKERS} worker threads, total`, value: many.batch, unit: 'bundles/s', baseline: { name: 'same, 1 core', value: one.batch } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable('verify', figures);
}
