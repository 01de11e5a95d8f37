import test, { type ExecutionContext } from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import winston from 'winston';
import { leafHash } from '../../domain/transparency/merkle.hash';
import { verifyConsistency } from '../../domain/transparency/merkle.consistency';
import { verifyInclusion } from '../../domain/transparency/merkle.inclusion';
import { noteVerifierFor } from '../../domain/transparency/note-key';
import { openCheckpoint } from '../../domain/transparency/checkpoint';
import { verifySet } from '../../domain/transparency/rekor-set';
import { startTlogServer, type RunningTlog } from '../../src/tlog/tlog-server';
import { aStatement, anEcdsaSigner, signEnvelope, v1DsseRequest, v2HashedRekordRequest } from '../support/dsse';
import { tempDir } from '../support/temp-dir';

const NAME = 'tlog.test.local';

async function aLog(t: ExecutionContext, dir = tempDir(t), batchWindowMs?: number): Promise<RunningTlog & { dir: string }> {
  const server = await startTlogServer({
    dir,
    name: NAME,
    host: '127.0.0.1',
    port: 0,
    logger: winston.createLogger({ silent: true }),
    ...(batchWindowMs === undefined ? {} : { batchWindowMs }),
  });
  t.teardown(() => server.close());
  return { ...server, dir };
}

const post = (url: string, body: unknown, type = 'application/json'): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });

interface V1Entry {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: { signedEntryTimestamp: string; inclusionProof: { logIndex: number; rootHash: string; treeSize: number; hashes: string[]; checkpoint: string } };
}

test('a dsse entry logged through the v1 API comes back with a proof, checkpoint and SET that verify', async (t) => {
  const log = await aLog(t);
  const signer = anEcdsaSigner();
  const res = await post(`${log.url}/api/v1/log/entries`, v1DsseRequest(signEnvelope(signer, aStatement()), signer));
  t.is(res.status, 201);
  const [uuid, entry] = Object.entries((await res.json()) as Record<string, V1Entry>)[0]!;
  t.is(res.headers.get('location')?.slice(-64), uuid);
  const body = Buffer.from(entry.body, 'base64');
  t.is(leafHash(body).toString('hex'), uuid, 'UUID is the leaf hash of the canonical body');
  const proof = entry.verification.inclusionProof;
  t.true(verifyInclusion({ leafIndex: proof.logIndex, treeSize: proof.treeSize, hashes: proof.hashes.map((h) => Buffer.from(h, 'hex')) }, leafHash(body), Buffer.from(proof.rootHash, 'hex')).ok);
  const verifier = noteVerifierFor(NAME, log.logs.v1.identity.publicKey);
  t.true(verifier.ok);
  const cp = openCheckpoint(proof.checkpoint, verifier.ok ? [verifier.value] : []);
  t.true(cp.ok, cp.ok ? '' : cp.reason);
  t.is(cp.ok ? cp.value.checkpoint.rootHash.toString('hex') : '', proof.rootHash);
  t.true(verifySet({ body: entry.body, integratedTime: entry.integratedTime, logID: entry.logID, logIndex: entry.logIndex }, Buffer.from(entry.verification.signedEntryTimestamp, 'base64'), log.logs.v1.identity.publicKey));
});

test('the same entry submitted twice is a 409 pointing at the first, and the tree does not grow', async (t) => {
  const log = await aLog(t);
  const signer = anEcdsaSigner();
  const request = v1DsseRequest(signEnvelope(signer, aStatement()), signer);
  const first = await post(`${log.url}/api/v1/log/entries`, request);
  const second = await post(`${log.url}/api/v1/log/entries`, request);
  t.is(first.status, 201);
  t.is(second.status, 409);
  t.is(second.headers.get('location'), first.headers.get('location'));
  const info = (await (await fetch(`${log.url}/api/v1/log`)).json()) as { treeSize: number };
  t.is(info.treeSize, 1);
  const byLocation = await fetch(`${log.url}${second.headers.get('location')}`);
  t.is(byLocation.status, 200);
});

test('entries are found by UUID, by entry ID and by index', async (t) => {
  const log = await aLog(t);
  const signer = anEcdsaSigner();
  const created = await post(`${log.url}/api/v1/log/entries`, v1DsseRequest(signEnvelope(signer, aStatement()), signer));
  const location = created.headers.get('location')!;
  const uuid = location.slice(-64);
  t.is((await fetch(`${log.url}/api/v1/log/entries/${uuid}`)).status, 200);
  t.is((await fetch(`${log.url}${location}`)).status, 200);
  const byIndex = (await (await fetch(`${log.url}/api/v1/log/entries?logIndex=0`)).json()) as Record<string, unknown>;
  t.deepEqual(Object.keys(byIndex), [uuid]);
  t.is((await fetch(`${log.url}/api/v1/log/entries/${'0'.repeat(64)}`)).status, 404);
  t.is((await fetch(`${log.url}/api/v1/log/entries?logIndex=7`)).status, 404);
  t.is((await fetch(`${log.url}/api/v1/log/entries?logIndex=-1`)).status, 400);
});

test('bad input is refused with a 400 that says why, and nothing is logged', async (t) => {
  const log = await aLog(t);
  const signer = anEcdsaSigner();
  const other = anEcdsaSigner();
  const envelope = signEnvelope(signer, aStatement());
  const cases: [string, unknown, RegExp][] = [
    ['malformed JSON', '{"kind":', /not valid JSON/],
    ['wrong kind', { kind: 'rekord', apiVersion: '0.0.1', spec: {} }, /"rekord" is not accepted/],
    ['no verifiers', { ...(v1DsseRequest(envelope, signer) as object), spec: { proposedContent: { envelope: JSON.stringify(envelope), verifiers: [] } } }, /verifiers/],
    ['signature by another key', v1DsseRequest(envelope, other), /does not verify/],
    ['envelope not JSON', { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope: '{', verifiers: ['QQ=='] } } }, /envelope is not valid JSON/],
    ['verifier not a key', v1DsseRequest(envelope, { ...signer, publicKeyPem: 'not a pem' }), /not a PEM public key/],
    ['payload misspelled', v1DsseRequest({ ...envelope, payload: `${envelope.payload.replace(/=+$/, '')}x` }, signer), /payload: payload is not canonical base64/],
    ['sig with a line break', v1DsseRequest({ ...envelope, signatures: [{ keyid: '', sig: `\n${envelope.signatures[0]!.sig}` }] }, signer), /signatures\.0\.sig: sig is not canonical base64: a line break/],
  ];
  for (const [what, body, reason] of cases) {
    const res = await post(`${log.url}/api/v1/log/entries`, body);
    t.is(res.status, 400, what);
    t.regex(res.headers.get('content-type') ?? '', /problem\+json/, what);
    t.regex(((await res.json()) as { detail: string }).detail, reason, what);
  }
  const v2cases: [string, unknown, RegExp][] = [
    ['dsse on v2', { dsseRequestV002: {} }, /hashedrekord whose digest is SHA-256\(PAE/],
    ['short digest', { hashedRekordRequestV002: { digest: 'AAAA', signature: { content: 'AAAA', verifier: { publicKey: { rawBytes: 'AAAA' }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' } } } }, /32-byte/],
    ['bad signature', v2HashedRekordRequest(envelope, other), /does not verify/],
    ['unknown key type', (() => {
      const r = v2HashedRekordRequest(envelope, signer) as { hashedRekordRequestV002: { signature: { verifier: { keyDetails: string } } } };
      r.hashedRekordRequestV002.signature.verifier.keyDetails = 'PKIX_ED25519';
      return r;
    })(), /keyDetails must be one of/],
    ['key type mismatch', (() => {
      const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
      const r = v2HashedRekordRequest(envelope, signer) as { hashedRekordRequestV002: { signature: { verifier: { publicKey: { rawBytes: string } } } } };
      r.hashedRekordRequestV002.signature.verifier.publicKey.rawBytes = ed;
      return r;
    })(), /verifier key is ed25519/],
  ];
  for (const [what, body, reason] of v2cases) {
    const res = await post(`${log.url}/api/v2/log/entries`, body);
    t.is(res.status, 400, what);
    t.regex(((await res.json()) as { detail: string }).detail, reason, what);
  }
  const huge = await post(`${log.url}/api/v1/log/entries`, { kind: 'dsse', pad: 'x'.repeat(2_000_000) });
  t.is(huge.status, 413);
  t.is(log.logs.v1.latestCheckpoint().size, 0);
  t.is(log.logs.v2.latestCheckpoint().size, 0);
});

test('a hashedrekord over the DSSE PAE is logged through v2 and readable as C2SP tiles', async (t) => {
  const log = await aLog(t);
  const signer = anEcdsaSigner();
  const bodies: Buffer[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await post(`${log.url}/api/v2/log/entries`, v2HashedRekordRequest(signEnvelope(signer, aStatement(`a${i}`)), signer));
    t.is(res.status, 201);
    const entry = (await res.json()) as { logIndex: string; canonicalizedBody: string; inclusionProof: { checkpoint: { envelope: string } } };
    t.is(entry.logIndex, String(i));
    bodies.push(Buffer.from(entry.canonicalizedBody, 'base64'));
  }
  const checkpoint = await (await fetch(`${log.url}/checkpoint`)).text();
  t.regex(checkpoint, new RegExp(`^${NAME.replace(/\./g, '\\.')}\\n3\\n`));
  const tile = Buffer.from(await (await fetch(`${log.url}/tile/0/000.p/3`)).arrayBuffer());
  t.deepEqual(tile, Buffer.concat(bodies.map((b) => leafHash(b))));
  const bundle = Buffer.from(await (await fetch(`${log.url}/tile/entries/000.p/3`)).arrayBuffer());
  t.is(bundle.readUInt16BE(0), bodies[0]!.length);
  t.deepEqual(bundle.subarray(2, 2 + bodies[0]!.length), bodies[0]);
  t.is((await fetch(`${log.url}/tile/0/000`)).status, 404, 'no full tile yet');
  t.is((await fetch(`${log.url}/tile/0/000.p/4`)).status, 404, 'no leaf 4 yet');
  t.is((await fetch(`${log.url}/tile/0/x000/000.p/1`)).status, 400, 'non-canonical path');
});

test('concurrent submissions share tree updates, and every proof verifies against its checkpoint', async (t) => {
  const log = await aLog(t, undefined, 20);
  const signer = anEcdsaSigner();
  const responses = await Promise.all(
    Array.from({ length: 40 }, (_, i) => post(`${log.url}/api/v1/log/entries`, v1DsseRequest(signEnvelope(signer, aStatement(`s${i}`)), signer))),
  );
  const entries = await Promise.all(responses.map(async (r) => Object.values((await r.json()) as Record<string, V1Entry>)[0]!));
  const sizes = new Set(entries.map((e) => e.verification.inclusionProof.treeSize));
  t.true(sizes.size < 40, `${sizes.size} checkpoints for 40 entries`);
  for (const e of entries) {
    const p = e.verification.inclusionProof;
    t.true(verifyInclusion({ leafIndex: p.logIndex, treeSize: p.treeSize, hashes: p.hashes.map((h) => Buffer.from(h, 'hex')) }, leafHash(Buffer.from(e.body, 'base64')), Buffer.from(p.rootHash, 'hex')).ok);
  }
  t.deepEqual(new Set(entries.map((e) => e.logIndex)).size, 40);
});

test('after a restart the log keeps its entries and keys, and proves consistency from old checkpoints to new', async (t) => {
  const dir = tempDir(t);
  const signer = anEcdsaSigner();
  const first = await aLog(t, dir);
  for (let i = 0; i < 5; i++) await post(`${first.url}/api/v1/log/entries`, v1DsseRequest(signEnvelope(signer, aStatement(`r${i}`)), signer));
  const before = (await (await fetch(`${first.url}/api/v1/log`)).json()) as { treeSize: number; rootHash: string };
  const key = first.logs.v1.identity.publicKey.export({ format: 'pem', type: 'spki' });
  await first.close();

  const second = await aLog(t, dir);
  t.deepEqual(second.logs.v1.identity.publicKey.export({ format: 'pem', type: 'spki' }), key);
  for (let i = 5; i < 12; i++) await post(`${second.url}/api/v1/log/entries`, v1DsseRequest(signEnvelope(signer, aStatement(`r${i}`)), signer));
  const after = (await (await fetch(`${second.url}/api/v1/log`)).json()) as { treeSize: number; rootHash: string };
  t.is(before.treeSize, 5);
  t.is(after.treeSize, 12);
  for (let old = 1; old <= 12; old++) {
    const proof = (await (await fetch(`${second.url}/api/v1/log/proof?firstSize=${old}&lastSize=12`)).json()) as { rootHash: string; hashes: string[] };
    const oldRoot = second.logs.v1.rootAt(old);
    const r = verifyConsistency({ size1: old, size2: 12, hashes: proof.hashes.map((h) => Buffer.from(h, 'hex')) }, oldRoot, Buffer.from(after.rootHash, 'hex'));
    t.true(r.ok, `${old} → 12: ${r.ok ? '' : r.reason}`);
  }
  const r = verifyConsistency(
    { size1: 5, size2: 12, hashes: ((await (await fetch(`${second.url}/api/v1/log/proof?firstSize=5&lastSize=12`)).json()) as { hashes: string[] }).hashes.map((h) => Buffer.from(h, 'hex')) },
    Buffer.from(before.rootHash, 'hex'),
    Buffer.from(after.rootHash, 'hex'),
  );
  t.true(r.ok, 'the checkpoint published before the restart is consistent with the one after');
});
