import test from 'ava';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { paeOf, parseEntryBody } from '../../domain/transparency';
import { NotFoundError, ValidationError } from '../../src/errors/app-error';
import { startFaultProxy } from '../support/fault-proxy';
import { p256Signer, signedEnvelope, startLog, startTlogAgain, v2Client } from './support';

test('a DSSE envelope goes to Rekor v2 as a hashedrekord over SHA-256(PAE) with the DSSE signature, and comes back verified', async (t) => {
  const log = await startLog(t);
  const client = v2Client(t, log);
  const signer = p256Signer();
  const envelope = signedEnvelope(signer);

  const entry = await client.submitDsse(envelope, signer.publicKeyPem);

  t.true(entry.created);
  t.is(entry.log, 'rekor-v2:log.attestor.test');
  t.is(entry.logIndex, 0);
  t.is(entry.set, undefined);
  t.is(entry.integratedTime, undefined);
  t.is(`${entry.tlogEntry.kind}/${entry.tlogEntry.version}`, 'hashedrekord/0.0.2');
  t.regex(entry.checkpoint, /^log\.attestor\.test\n1\n/);
  const body = parseEntryBody(entry.tlogEntry.canonicalizedBody, 'hashedrekord', '0.0.2');
  if (!body.ok || body.value.$case !== 'hashedrekord') return t.fail('not a hashedrekord body');
  const pae = paeOf({ payloadType: envelope.payloadType, payload: Buffer.from(envelope.payload, 'base64') });
  t.deepEqual(body.value.digest, createHash('sha256').update(pae).digest());
  t.deepEqual(body.value.signature, Buffer.from(envelope.signatures[0]!.sig, 'base64'));
});

test('submitting the same envelope to Rekor v2 twice returns the existing entry from the 409 body, verified', async (t) => {
  const log = await startLog(t);
  const client = v2Client(t, log);
  const signer = p256Signer();
  const envelope = signedEnvelope(signer);

  const first = await client.submitDsse(envelope, signer.publicKeyPem);
  const second = await client.submitDsse(envelope, signer.publicKeyPem);

  t.false(second.created);
  t.is(second.uuid, first.uuid);
  t.is(second.logIndex, first.logIndex);
});

test('a duplicate answered as rekor-tiles does (409, index header, no entry) is read from the tiles, proven and recorded', async (t) => {
  const log = await startLog(t);
  const proxy = await startFaultProxy(t, log.url);
  const client = v2Client(t, log, proxy.url);
  const signer = p256Signer();
  const envelope = signedEnvelope(signer);
  const first = await client.submitDsse(envelope, signer.publicKeyPem);
  await client.submitDsse(signedEnvelope(signer), signer.publicKeyPem);

  // rekor-tiles' gRPC-gateway error body: no entry, only `x-log-index`.
  await proxy.set({ kind: 'rewrite', rewrite: (body, req) => (req.method === 'POST' ? Buffer.from(JSON.stringify({ code: 6, message: 'an equivalent entry already exists in the transparency log' })) : body) });
  const second = await client.submitDsse(envelope, signer.publicKeyPem);

  t.false(second.created);
  t.is(second.uuid, first.uuid);
  t.is(second.logIndex, first.logIndex);
  t.is(second.inclusionProof.treeSize, 2, 'proven against the latest checkpoint, read from the tiles');
});

test('a 409 whose index names another entry than the one submitted is refused, not recorded', async (t) => {
  const log = await startLog(t);
  const proxy = await startFaultProxy(t, log.url);
  const client = v2Client(t, log, proxy.url);
  const signer = p256Signer();
  await client.submitDsse(signedEnvelope(signer), signer.publicKeyPem);
  const envelope = signedEnvelope(signer);
  await client.submitDsse(envelope, signer.publicKeyPem);

  // A log (or something in between) that points the duplicate at index 0, another envelope's entry.
  await proxy.set({
    kind: 'rewrite',
    rewrite: (body, req) => (req.method === 'POST' ? Buffer.from('{"code":6,"message":"exists"}') : body),
    setHeaders: { 'x-log-index': '0' },
  });
  const error = await t.throwsAsync(client.submitDsse(envelope, signer.publicKeyPem));
  t.regex(error?.message ?? '', /body|signature|digest/i);
});

test('a 409 naming an index the checkpoint does not cover yet is a retryable not-found that says so', async (t) => {
  const log = await startLog(t);
  const proxy = await startFaultProxy(t, log.url);
  const client = v2Client(t, log, proxy.url);
  const signer = p256Signer();
  const envelope = signedEnvelope(signer);
  await client.submitDsse(envelope, signer.publicKeyPem);
  await proxy.set({ kind: 'rewrite', rewrite: (body, req) => (req.method === 'POST' ? Buffer.from('{"code":6,"message":"exists"}') : body), setHeaders: { 'x-log-index': '7' } });
  const error = await t.throwsAsync(client.submitDsse(envelope, signer.publicKeyPem), { instanceOf: NotFoundError });
  t.regex(error?.message ?? '', /index 7, which its latest checkpoint \(size 1\) does not cover yet/);
});

test('Rekor v2 entries are read from tiles and proven against the signed checkpoint, across tile boundaries', async (t) => {
  const log = await startLog(t);
  const client = v2Client(t, log);
  const signer = p256Signer();
  // 300 entries: a full entry bundle and level-0 tile, then partial ones.
  const submitted = await Promise.all(Array.from({ length: 300 }, () => client.submitDsse(signedEnvelope(signer), signer.publicKeyPem)));
  const byIndex = new Map(submitted.map((e) => [e.logIndex, e]));
  t.is(byIndex.size, 300);

  for (const index of [0, 1, 255, 256, 257, 299]) {
    const got = await client.getByIndex(index);
    t.is(got.logIndex, index);
    t.is(got.uuid, byIndex.get(index)!.uuid, `entry ${index}`);
    t.is(got.inclusionProof.treeSize, 300);
    t.deepEqual(got.tlogEntry.canonicalizedBody, byIndex.get(index)!.tlogEntry.canonicalizedBody);
  }
  await t.throwsAsync(client.getByIndex(300), { instanceOf: NotFoundError });
});

test('an entry can be proven against an older checkpoint than the latest', async (t) => {
  const log = await startLog(t);
  const client = v2Client(t, log);
  const signer = p256Signer();
  for (let i = 0; i < 10; i++) await client.submitDsse(signedEnvelope(signer), signer.publicKeyPem);
  const old = await client.checkpoint();
  for (let i = 0; i < 5; i++) await client.submitDsse(signedEnvelope(signer), signer.publicKeyPem);

  const got = await client.getByIndex(7, old);
  t.is(got.inclusionProof.treeSize, 10);
  t.is(got.checkpoint, old.note);
});

test('two Rekor v2 checkpoints taken across a log restart are proven consistent from tiles', async (t) => {
  const first = await startLog(t);
  const signer = p256Signer();
  const before = v2Client(t, first);
  await Promise.all(Array.from({ length: 37 }, () => before.submitDsse(signedEnvelope(signer), signer.publicKeyPem)));
  const old = await before.checkpoint();
  await first.close();

  const second = await startTlogAgain(t, first.dir);
  const after = v2Client(t, second);
  await Promise.all(Array.from({ length: 100 }, () => after.submitDsse(signedEnvelope(signer), signer.publicKeyPem)));
  const mid = await after.checkpoint();
  await Promise.all(Array.from({ length: 160 }, () => after.submitDsse(signedEnvelope(signer), signer.publicKeyPem)));
  const latest = await after.checkpoint();

  t.deepEqual([old, mid, latest].map((c) => c.checkpoint.size), [37, 137, 297]);
  // Each pair is proven from the tiles the log serves for its latest tree.
  t.is((await after.consistency(old, mid)).checkpoint.size, 137);
  t.is((await after.consistency(mid, latest)).checkpoint.size, 297);
  t.is((await after.consistency(old.note)).checkpoint.size, 297);
});

test('keys Rekor v2 cannot log a DSSE signature for are refused before sending', async (t) => {
  const log = await startLog(t);
  const client = v2Client(t, log);
  const { publicKey } = generateKeyPairSync('ed25519');
  const signer = p256Signer();
  await t.throwsAsync(client.submitDsse(signedEnvelope(signer), publicKey.export({ format: 'pem', type: 'spki' }).toString()), {
    instanceOf: ValidationError,
    message: /Ed25519/,
  });
});
