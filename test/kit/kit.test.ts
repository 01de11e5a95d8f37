import test, { type ExecutionContext } from 'ava';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import type { EventId } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import { allProjections } from '../../projections';
import { FilesystemObjectStore } from '../../adapters/object-store/filesystem.object-store';
import { envelopeDigestOf } from '../../src/kit/kit-format';
import { importKit, KitRefusedError } from '../../src/kit/kit-import';
import type { ObjectStore } from '../../src/ports/object-store';
import { verifyKit } from '../../src/kit/kit-verify';
import { parseTrust } from '../../src/kit/kit-trust';
import { verifyLedger } from '../../src/ledger/ledger-verification';
import { rebuildProjection } from '../../src/projections-runtime/rebuild';
import type { EventStore } from '../../src/ports/event-store';
import { anEvent } from '../support/events';
import { tempDir } from '../support/temp-dir';
import { exportedKit, ledgerFixture, populate } from './helpers/ledger-fixture';

async function digests(t: { teardown(fn: () => void): void }, store: EventStore, dir: string, name: string): Promise<Record<string, string>> {
  const readModels = SqliteReadModelStore.open(join(dir, `read-models-${name}.sqlite`));
  t.teardown(() => readModels.close());
  const out: Record<string, string> = {};
  for (const p of allProjections) out[p.name] = (await rebuildProjection(store, readModels, p)).digest;
  return out;
}

/** A populated ledger, its exported kit, and an empty embedded store to import it into. */
async function aKitAndAnEmptyStore(t: ExecutionContext): Promise<{ f: ReturnType<typeof ledgerFixture>; dir: string; kit: Awaited<ReturnType<ReturnType<typeof ledgerFixture>['exportTo']>>; target: SqliteEventStore }> {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f);
  const dir = tempDir(t);
  const kit = await f.exportTo(join(dir, 'kit.tar'));
  const target = SqliteEventStore.open(join(dir, 'imported.sqlite'));
  t.teardown(() => target.close());
  return { f, dir, kit, target };
}

test('an exported kit verifies offline, check by check', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f);
  const dir = tempDir(t);
  const result = await f.exportTo(join(dir, 'kit.tar'));
  t.true(result.checkpointCreated);
  t.false(result.manifest.selection.partial);
  t.is(result.manifest.counts.envelopes, 4);
  const report = await verifyKit(result.file);
  t.true(report.ok, report.failures.join('\n'));
  t.deepEqual(
    report.checks.map((c) => c.name),
    ['archive', 'archive canonical form', 'manifest', 'file digests', 'events', 'hash chains', 'ledger checkpoint', 'ledger tree', 'manifest signature', 'contents', 'envelope signatures', 'transparency-log proofs'],
  );
});

test('the same events give a byte-identical kit', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f);
  const dir = tempDir(t);
  const a = await f.exportTo(join(dir, 'a.tar'));
  const b = await f.exportTo(join(dir, 'b.tar'));
  t.false(b.checkpointCreated);
  t.is(a.sha256, b.sha256);
  t.deepEqual(readFileSync(a.file), readFileSync(b.file));
});

test('a kit pinned to the ledger key verifies; pinned to another key it fails', async (t) => {
  const { f, kit } = await exportedKit(t);
  const ledger = await f.ledgerKey.current();
  t.true((await verifyKit(kit.file, { trust: parseTrust({ ledgerKeys: [ledger.fingerprint] }, 'inline') })).ok);
  const wrong = await verifyKit(kit.file, { trust: parseTrust({ ledgerKeys: ['ab'.repeat(32)] }, 'inline') });
  t.false(wrong.ok);
  t.regex(wrong.failures.join('\n'), /does not pin/);
});

test('import into a fresh store preserves ids, order and hashes, rebuilds the same digests, and is a no-op the second time', async (t) => {
  const { f, dir, kit, target } = await aKitAndAnEmptyStore(t);

  const archive = new FilesystemObjectStore(join(dir, 'imported-archive'));
  const first = await importKit(kit.file, target, { archive });
  t.is(first.appended, kit.manifest.counts.events);
  t.is(first.envelopesArchived, kit.manifest.counts.envelopes);
  for (const e of await f.store.readAll()) {
    const digest = envelopeDigestOf(e);
    if (digest !== null) t.deepEqual(await archive.get(digest), await f.archive.get(digest), `envelope ${digest} restored`);
  }
  const source = await f.store.readAll();
  const imported = await target.readAll();
  t.deepEqual(
    imported.map((e) => [e.id, e.stream, e.revision, e.position.commit, e.metadata.hash]),
    source.map((e) => [e.id, e.stream, e.revision, e.position.commit, e.metadata.hash]),
  );
  t.true((await verifyLedger(target)).ok);
  t.deepEqual(await digests(t, target, dir, 'imported'), await digests(t, f.store, dir, 'source'));

  const second = await importKit(kit.file, target, { archive });
  t.is(second.appended, 0);
  t.is(second.envelopesArchived, 0);
  t.is(second.alreadyPresent, imported.length);
  t.is((await target.readAll()).length, imported.length);
});

test('import refuses a store that holds other events, and writes nothing', async (t) => {
  const { kit } = await exportedKit(t);
  const other = ledgerFixture();
  t.teardown(() => other.close());
  await populate(other, 1);
  const before = (await other.store.readAll()).length;
  const error = await t.throwsAsync(importKit(kit.file, other.store, { archive: null }), { instanceOf: KitRefusedError });
  t.regex(error?.message ?? '', /not empty/);
  t.is((await other.store.readAll()).length, before);
});

test('a partial kit (one tenant) proves each event against the checkpoint and cannot be imported', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f);
  const dir = tempDir(t);
  const kit = await f.exportTo(join(dir, 'acme.tar'), { tenant: 'acme' });
  t.true(kit.manifest.selection.partial);
  const report = await verifyKit(kit.file);
  t.true(report.ok, report.failures.join('\n'));
  t.true(report.checks.some((c) => c.name === 'ledger inclusion proofs' && c.ok));
  const envelopes = kit.manifest.files.filter((x) => x.path.startsWith('envelopes/')).length;
  t.is(envelopes, 3);
  const target = SqliteEventStore.open(join(dir, 'imported.sqlite'));
  t.teardown(() => target.close());
  await t.throwsAsync(importKit(kit.file, target, { archive: null }), { message: /partial export \(--tenant acme\)/ });
  t.is((await target.readAll()).length, 0);
});

test('a kit of whole streams exported with --streams verifies', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f);
  const dir = tempDir(t);
  const kit = await f.exportTo(join(dir, 'env.tar'), { streams: ['envelope-'] });
  const report = await verifyKit(kit.file);
  t.true(report.ok, report.failures.join('\n'));
  t.is(kit.manifest.counts.envelopes, 4);
});

/** A real store behind a port that, like EventStoreDB, does not promise that unawaited appends commit in call order. */
class UnorderedAppends implements EventStore {
  readonly appendsCommitInCallOrder = false;
  calls = 0;
  constructor(
    private readonly inner: EventStore,
    /** Runs before each append reaches the store: a delay that would reorder pipelined appends, or a failure. */
    private readonly before: (call: number) => Promise<void>,
  ) {}
  async append(...args: Parameters<EventStore['append']>): ReturnType<EventStore['append']> {
    await this.before(this.calls++);
    return this.inner.append(...args);
  }
  readStream(...args: Parameters<EventStore['readStream']>): ReturnType<EventStore['readStream']> {
    return this.inner.readStream(...args);
  }
  readAll(...args: Parameters<EventStore['readAll']>): ReturnType<EventStore['readAll']> {
    return this.inner.readAll(...args);
  }
  subscribeToAll(...args: Parameters<EventStore['subscribeToAll']>): ReturnType<EventStore['subscribeToAll']> {
    return this.inner.subscribeToAll(...args);
  }
  verifyChain(...args: Parameters<EventStore['verifyChain']>): ReturnType<EventStore['verifyChain']> {
    return this.inner.verifyChain(...args);
  }
  headPosition(): ReturnType<EventStore['headPosition']> {
    return this.inner.headPosition();
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

test('into a store that does not commit unawaited appends in call order, import keeps the kit order anyway', async (t) => {
  const { f, kit, target: inner } = await aKitAndAnEmptyStore(t);
  // Random delays would scramble the global order of appends sent without waiting.
  const target = new UnorderedAppends(inner, () => new Promise((r) => setTimeout(r, Math.random() * 3)));

  await importKit(kit.file, target, { archive: null });

  t.deepEqual(
    (await inner.readAll()).map((e) => e.id),
    (await f.store.readAll()).map((e) => e.id),
  );
  t.true((await verifyLedger(inner)).ok);
});

test('an import that fails part-way stops there, leaves a prefix of the kit, and a second import completes it', async (t) => {
  const { f, kit, target: inner } = await aKitAndAnEmptyStore(t);
  let failOnce = true;
  const target = new UnorderedAppends(inner, (call) => {
    if (call === 5 && failOnce) {
      failOnce = false;
      return Promise.reject(new Error('disk full'));
    }
    return Promise.resolve();
  });

  const archive = new FilesystemObjectStore(join(tempDir(t), 'archive'));
  await t.throwsAsync(importKit(kit.file, target, { archive }), { message: 'disk full' });
  t.is((await Promise.all(kit.manifest.files.filter((x) => x.path.startsWith('envelopes/')).map((x) => archive.has(x.path.slice('envelopes/'.length, -'.json'.length))))).filter(Boolean).length, kit.manifest.counts.envelopes, 'every envelope was archived before the first event was sent');
  const source = (await f.store.readAll()).map((e) => e.id);
  const written = (await inner.readAll()).map((e) => e.id);
  t.true(written.length > 0 && written.length < source.length);
  t.deepEqual(written, source.slice(0, written.length), 'what was written is a prefix of the kit');

  const resumed = await importKit(kit.file, target, { archive });
  t.is(resumed.envelopesArchived, 0);
  t.is(resumed.alreadyPresent, written.length);
  t.is(resumed.alreadyPresent + resumed.appended, source.length);
  t.deepEqual((await inner.readAll()).map((e) => e.id), source);
  t.true((await verifyLedger(inner)).ok);
});

test('an archive that fails to take an envelope stops the import before any event is written', async (t) => {
  const { kit, target } = await aKitAndAnEmptyStore(t);
  const failing: ObjectStore = {
    put: () => Promise.reject(new Error('bucket unreachable')),
    get: () => Promise.resolve(null),
    has: () => Promise.resolve(false),
  };
  await t.throwsAsync(importKit(kit.file, target, { archive: failing }), { message: 'bucket unreachable' });
  t.is((await target.readAll()).length, 0);
});

test('a key revoked after the fact (a compromise, effective before its signatures) does not make the ledger unexportable or unimportable', async (t) => {
  const { f, dir, keyId } = await aLedgerAndItsFirstKey(t);
  // That key signed the first envelope; it is found compromised and revoked back to before it.
  await f.keys.revoke(keyId, { version: 'all', reason: 'key compromised', effectiveAt: '2000-01-01T00:00:00Z' });
  const kit = await f.exportTo(join(dir, 'kit.tar'));

  const report = await verifyKit(kit.file);
  t.true(report.ok, report.failures.join('; '));
  t.true(report.warnings.some((w) => /revoked with an effectiveAt before the signing/.test(w)), report.warnings.join('\n'));
  const target = SqliteEventStore.open(join(dir, 'imported.sqlite'));
  t.teardown(() => target.close());
  const imported = await importKit(kit.file, target, { archive: new FilesystemObjectStore(join(dir, 'imported-archive')) });
  t.is(imported.appended, kit.manifest.counts.events);
});

test('a signature that never verified stays a failure, even when its key was later revoked back to before it', async (t) => {
  const { f, dir, keyId } = await aLedgerAndItsFirstKey(t);
  // An insider (or a bug) records a signing of an envelope whose signature does not cover its payload.
  const signed = (await f.store.readAll()).find((e) => e.type === 'EnvelopeSigned')!;
  const data = signed.data as { envelopeDigest: string };
  const original = JSON.parse((await f.archive.get(data.envelopeDigest))!.toString('utf8')) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...original, payload: Buffer.from('never signed').toString('base64') }));
  const put = await f.archive.put(forged);
  await f.store.append(streamName('envelope', put.digest), [
    { id: randomUUID() as EventId, type: signed.type, schemaVersion: signed.schemaVersion, data: { ...data, envelopeDigest: put.digest }, metadata: { ...signed.metadata } },
  ]);
  await f.keys.revoke(keyId, { version: 'all', reason: 'key compromised', effectiveAt: '2000-01-01T00:00:00Z' });
  const kit = await f.exportTo(join(dir, 'kit.tar'));
  const report = await verifyKit(kit.file);
  t.false(report.ok, 'the forged signing is not hidden among the revoked ones');
  t.regex(report.failures.join('; '), /bad_signature|does not verify|revoked/);
});

test('an envelope submitted from elsewhere but signed by a key registered here answers to its revocation in kit verify too', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f, 1);
  const dir = tempDir(t);
  const key = await f.keys.create({ name: 'outside', provider: 'file' });
  const signed = await f.signing.sign({ keyIds: [key.keyId], payloadType: 'text/plain', payload: Buffer.from('made elsewhere') });
  // The same signature with its (unsigned) keyid stripped reaches the ledger as a submission, with the key as verifier.
  const outside = Buffer.from(JSON.stringify({ ...signed.envelope, signatures: signed.envelope.signatures.map(({ sig }) => ({ sig })) }));
  const { digest } = await f.archive.put(outside);
  const submissionId = randomUUID();
  await f.store.append(streamName('submission', submissionId), [
    anEvent('SubmissionRequested', { submissionId, envelopeDigest: digest, payloadType: 'text/plain', subjects: [], verifiers: [key.versions[0]!.publicKeyPem], logs: [{ name: 'rekor', required: true }], requestedAt: f.clock.now() }, { occurredAt: f.clock.now() }),
  ]);
  const before = await verifyKit((await f.exportTo(join(dir, 'before.tar'))).file);
  t.true(before.ok, before.failures.join('; '));

  await f.keys.revoke(key.keyId, { version: 'all', reason: 'key compromised', effectiveAt: '2000-01-01T00:00:00Z' });
  const after = await verifyKit((await f.exportTo(join(dir, 'after.tar'))).file);
  t.true(after.ok, 'still a faithful kit');
  t.regex(after.checks.find((c) => c.name === 'envelope signatures')?.detail ?? '', /2 signed by keys revoked since/, 'the signing here and the submission from elsewhere');
});

/** A small populated ledger and the id of the first key populate() made (it signed the first envelope). */
async function aLedgerAndItsFirstKey(t: ExecutionContext): Promise<{ f: ReturnType<typeof ledgerFixture>; dir: string; keyId: string }> {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f, 1);
  const [first] = await f.store.readAll({ filter: { streamPrefixes: ['key-'] } });
  return { f, dir: tempDir(t), keyId: first!.stream.slice('key-'.length) };
}
