import test from 'ava';
import { entryUuid, leafHash, verifyInclusion } from '../../domain/transparency';
import { NotFoundError, ValidationError } from '../../src/errors/app-error';
import { p256Signer, signedEnvelope, startLog, startTlogAgain, v1Client } from './support';

test('a DSSE envelope submitted to Rekor v1 comes back as a verified entry with proof, checkpoint and SET', async (t) => {
  const log = await startLog(t);
  const client = v1Client(t, log);
  const signer = p256Signer();

  const entry = await client.submitDsse(signedEnvelope(signer), signer.publicKeyPem);

  t.true(entry.created);
  t.is(entry.log, 'rekor-v1:log.attestor.test');
  t.is(entry.uuid, entryUuid(entry.tlogEntry.canonicalizedBody));
  t.is(entry.logIndex, 0);
  t.truthy(entry.set);
  t.true(typeof entry.integratedTime === 'number' && entry.integratedTime > 0);
  t.is(entry.tlogEntry.kind, 'dsse');
  t.is(entry.tlogEntry.version, '0.0.1');
  t.regex(entry.checkpoint, /^log\.attestor\.test - \d+\n1\n/);
  const { inclusionProof: p } = entry;
  t.true(verifyInclusion({ leafIndex: p.logIndex, treeSize: p.treeSize, hashes: p.hashes }, leafHash(entry.tlogEntry.canonicalizedBody), p.rootHash).ok);
});

test('Rekor v1 entries are fetched, verified, by UUID, by entry ID and by index', async (t) => {
  const log = await startLog(t);
  const client = v1Client(t, log);
  const signer = p256Signer();
  const submitted = [];
  for (let i = 0; i < 5; i++) submitted.push(await client.submitDsse(signedEnvelope(signer), signer.publicKeyPem));
  const third = submitted[2]!;

  const byUuid = await client.getByUuid(third.uuid);
  const byIndex = await client.getByIndex(third.logIndex);
  const treeId = /- (\d+)\n/.exec(third.checkpoint)![1]!;
  const byEntryId = await client.getByUuid(`${BigInt(treeId).toString(16).padStart(16, '0')}${third.uuid}`);

  for (const got of [byUuid, byIndex, byEntryId]) {
    t.is(got.uuid, third.uuid);
    t.is(got.logIndex, 2);
    // Proven against the latest checkpoint, which now covers all five entries.
    t.is(got.inclusionProof.treeSize, 5);
  }
});

test('submitting the same envelope twice is harmless: the 409 leads to the existing, verified entry', async (t) => {
  const log = await startLog(t);
  const client = v1Client(t, log);
  const signer = p256Signer();
  const envelope = signedEnvelope(signer);

  const first = await client.submitDsse(envelope, signer.publicKeyPem);
  const second = await client.submitDsse(envelope, signer.publicKeyPem);

  t.true(first.created);
  t.false(second.created);
  t.is(second.uuid, first.uuid);
  t.is(second.logIndex, first.logIndex);
  t.is((await client.checkpoint()).checkpoint.size, 1);
});

test('an envelope the log refuses (signature by another key) is a ValidationError with the log\'s reason, not a retry', async (t) => {
  const log = await startLog(t);
  const client = v1Client(t, log);
  const error = await t.throwsAsync(client.submitDsse(signedEnvelope(p256Signer()), p256Signer().publicKeyPem), { instanceOf: ValidationError });
  t.regex(error?.message ?? '', /does not verify/);
});

test('an envelope with two signatures is refused before it is sent', async (t) => {
  const log = await startLog(t);
  const client = v1Client(t, log);
  const signer = p256Signer();
  const envelope = signedEnvelope(signer);
  await t.throwsAsync(client.submitDsse({ ...envelope, signatures: [...envelope.signatures, ...envelope.signatures] }, signer.publicKeyPem), {
    instanceOf: ValidationError,
    message: /exactly one signature/,
  });
});

test('an unknown UUID or index is NotFoundError', async (t) => {
  const log = await startLog(t);
  const client = v1Client(t, log);
  await t.throwsAsync(client.getByUuid('ab'.repeat(32)), { instanceOf: NotFoundError });
  await t.throwsAsync(client.getByIndex(7), { instanceOf: NotFoundError });
});

test('two Rekor v1 checkpoints taken across a log restart are proven consistent', async (t) => {
  const first = await startLog(t);
  const signer = p256Signer();
  const before = v1Client(t, first);
  for (let i = 0; i < 3; i++) await before.submitDsse(signedEnvelope(signer), signer.publicKeyPem);
  const old = await before.checkpoint();
  await first.close();

  const second = await startTlogAgain(t, first.dir);
  const after = v1Client(t, second);
  for (let i = 0; i < 6; i++) await after.submitDsse(signedEnvelope(signer), signer.publicKeyPem);
  const latest = await after.checkpoint();

  t.is(old.checkpoint.size, 3);
  t.is(latest.checkpoint.size, 9);
  const proven = await after.consistency(old, latest);
  t.is(proven.checkpoint.size, 9);
  // Also from the stored note text, against whatever is latest.
  t.is((await after.consistency(old.note)).checkpoint.size, 9);
  // Equal checkpoints are trivially consistent; a smaller "newer" one is not.
  await t.notThrowsAsync(after.consistency(latest, latest));
  await t.throwsAsync(after.consistency(latest, old), { message: /smaller than the older/ });
});
