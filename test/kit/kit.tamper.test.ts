import test from 'ava';
import fc from 'fast-check';
import { mkdtempSync, promises as fs, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '../../domain/shared/canonical-json';
import { envelopeBytes } from '../../domain/signing/dsse-envelope';
import { EVENTS_FILE, MANIFEST_FILE, MANIFEST_PAYLOAD_TYPE, type KitManifest } from '../../src/kit/kit-format';
import { extractKit, fileDigest, packKit } from '../../src/kit/kit-tar';
import { verifyKit } from '../../src/kit/kit-verify';
import { tempDir } from '../support/temp-dir';
import { ledgerFixture, populate, type LedgerFixture } from './helpers/ledger-fixture';

async function aKit(t: Parameters<typeof tempDir>[0], partial = false): Promise<{ f: LedgerFixture; file: string; dir: string }> {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f);
  const dir = tempDir(t);
  const kit = await f.exportTo(join(dir, 'kit.tar'), partial ? { tenant: 'acme' } : {});
  return { f, file: kit.file, dir };
}

test('flipping any single byte of a kit is detected (random positions, headers and padding included)', async (t) => {
  const { file, dir } = await aKit(t);
  const original = readFileSync(file);
  t.true((await verifyKit(file)).ok);
  const positions = fc.sample(fc.integer({ min: 0, max: original.length - 1 }), { numRuns: 250, seed: 6 });
  // Always include the first header, a padding byte after the first file and the end-of-archive blocks.
  positions.push(0, 100, 148, 511, original.length - 1, original.length - 600);
  const masks = fc.sample(fc.integer({ min: 1, max: 255 }), { numRuns: positions.length, seed: 7 });
  const undetected: number[] = [];
  for (const [i, position] of positions.entries()) {
    const copy = Buffer.from(original);
    copy[position] = (copy[position] ?? 0) ^ (masks[i] ?? 1);
    const tampered = join(dir, `t${i}.tar`);
    writeFileSync(tampered, copy);
    if ((await verifyKit(tampered)).ok) undetected.push(position);
    rmSync(tampered);
  }
  t.deepEqual(undetected, []);
});

/** Rewrites a kit's events, then recomputes the file digests and re-signs the manifest with the ledger key: an insider's forgery. */
async function forge(f: LedgerFixture, file: string, out: string, mutate: (lines: string[]) => string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attestor-forge-'));
  try {
    const { files } = await extractKit(file, dir);
    const eventsPath = join(dir, EVENTS_FILE);
    const lines = (await fs.readFile(eventsPath, 'utf8')).split('\n').filter((l) => l !== '');
    await fs.writeFile(eventsPath, `${mutate(lines).join('\n')}\n`);
    const envelope = JSON.parse(await fs.readFile(join(dir, MANIFEST_FILE), 'utf8')) as { payload: string };
    const manifest = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as KitManifest;
    const forged: KitManifest = {
      ...manifest,
      counts: { ...manifest.counts, events: mutate(lines).length },
      files: await Promise.all(manifest.files.map(async (x) => ({ path: x.path, ...(await fileDigest(join(dir, x.path))) }))),
    };
    const signed = await f.ledgerKey.signDsse(MANIFEST_PAYLOAD_TYPE, Buffer.from(canonicalJson(forged)));
    await fs.writeFile(join(dir, MANIFEST_FILE), envelopeBytes(signed.envelope));
    await packKit(dir, files, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const edits: Record<string, (lines: string[]) => string[]> = {
  'delete an event': (l) => l.filter((_, i) => i !== 4),
  'delete the last event of a stream': (l) => l.filter((_, i) => i !== l.length - 4),
  'reorder two events of different streams': (l) => {
    const c = [...l];
    [c[2], c[6]] = [c[6]!, c[2]!];
    return c;
  },
  'swap two adjacent events': (l) => {
    const c = [...l];
    [c[5], c[6]] = [c[6]!, c[5]!];
    return c;
  },
  'duplicate an event': (l) => [...l.slice(0, 5), l[4]!, ...l.slice(5)],
  'alter an event and recompute its hash': (l) =>
    l.map((line, i) => {
      if (i !== 3) return line;
      const e = JSON.parse(line) as { metadata: { actor: string } };
      e.metadata.actor = 'mallory';
      return canonicalJson(e);
    }),
};

for (const [name, edit] of Object.entries(edits)) {
  for (const partial of [false, true]) {
    test(`${partial ? 'partial' : 'complete'} kit: ${name}, even with the manifest re-signed, is detected`, async (t) => {
      const { f, file, dir } = await aKit(t, partial);
      const out = join(dir, 'forged.tar');
      await forge(f, file, out, edit);
      const report = await verifyKit(out);
      t.false(report.ok);
      t.true(report.checks.find((c) => c.name === 'manifest signature')?.ok, 'the forgery is signed: only the ledger checks catch it');
      t.true(report.failures.some((x) => /events|hash chains|ledger|envelope|contents/.test(x)), report.failures.join('\n'));
    });
  }
}

test('a kit that is not even a readable archive is reported as a failed check, never thrown', async (t) => {
  const { file, dir } = await aKit(t);
  const original = readFileSync(file);
  for (const [name, bytes] of [
    ['truncated', original.subarray(0, 700)],
    ['garbage', Buffer.from('this is not a tar archive at all'.repeat(64))],
    ['empty', Buffer.alloc(0)],
  ] as const) {
    const broken = join(dir, `${name}.tar`);
    writeFileSync(broken, bytes);
    const report = await verifyKit(broken);
    t.false(report.ok, name);
    t.true(report.failures.length > 0, name);
  }
});
