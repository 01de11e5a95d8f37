import test from 'ava';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { aKey, aStatementFor, postJson } from '../support/api';
import { anEcdsaSigner, aStatement, signEnvelope } from '../support/dsse';
import { aRunningService } from '../support/service';

const hex = (s: string): string => createHash('sha256').update(s).digest('hex');

interface VerifyAnswer {
  verified: boolean;
  outcome: string;
  cached: boolean;
  checks: { name: string; ok: boolean; reason?: string }[];
}

async function logged(url: string, keyId: string, name: string): Promise<{ envelope: unknown; bundle: unknown }> {
  const signed = await postJson(`${url}/api/v1/sign`, { keyId, statement: aStatementFor(name, hex(name)) });
  const envelope = signed.body['envelope'];
  const res = await postJson(`${url}/api/v1/rekor/entries`, { envelope });
  if (res.status !== 201) throw new Error(`not logged: ${res.status} ${JSON.stringify(res.body)}`);
  // The entry cache is a projection: wait until it has the entry.
  for (let i = 0; i < 100; i++) {
    const found = (await (await fetch(`${url}/api/v1/entries?envelopeDigest=${String(res.body['envelopeDigest'])}`)).json()) as { entries: unknown[] };
    if (found.entries.length > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { envelope, bundle: res.body['bundle'] };
}

const verify = async (url: string, body: unknown): Promise<VerifyAnswer> => (await postJson(`${url}/api/v1/verify`, body)).body as unknown as VerifyAnswer;

test('a logged envelope verifies: signature as of signing time, inclusion proof, checkpoint, SET, entry match, policy', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  const { envelope } = await logged(service.url, key.keyId, 'app-1');
  const answer = await verify(service.url, { envelope });
  t.true(answer.verified, JSON.stringify(answer.checks.filter((c) => !c.ok)));
  const names = answer.checks.map((c) => c.name);
  for (const expected of ['signature[0]', 'local:tlog.inclusion-proof', 'local:tlog.checkpoint', 'local:tlog.set', 'local:tlog.body', 'envelope-entry-match', 'policy.min-signatures']) {
    t.true(names.includes(expected), `${expected} is checked`);
  }
});

test('a bundle verifies on its own, and a tampered bundle fails naming the check', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  const { bundle } = await logged(service.url, key.keyId, 'app-2');
  t.true((await verify(service.url, { bundle })).verified);
  const tampered = JSON.parse(JSON.stringify(bundle)) as { verificationMaterial: { tlogEntries: { inclusionProof: { rootHash: string } }[] } };
  const proof = tampered.verificationMaterial.tlogEntries[0]!.inclusionProof;
  proof.rootHash = Buffer.from(Buffer.from(proof.rootHash, 'base64').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64');
  const answer = await verify(service.url, { bundle: tampered });
  t.false(answer.verified);
  t.true(answer.checks.some((c) => !c.ok && /root-hash|checkpoint|inclusion/.test(c.name)), JSON.stringify(answer.checks));
});

test('an envelope that was never logged fails the transparency check', async (t) => {
  const service = await aRunningService(t);
  const signer = anEcdsaSigner();
  const answer = await verify(service.url, { envelope: signEnvelope(signer, aStatement()), verifier: signer.publicKeyPem });
  t.false(answer.verified);
  t.true(answer.checks.some((c) => c.name === 'tlog' && !c.ok));
});

test('a revocation effective before the signing fails the signature, and the cache follows the key registry', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  const { envelope } = await logged(service.url, key.keyId, 'app-3');
  const first = await verify(service.url, { envelope });
  t.true(first.verified);
  t.true((await verify(service.url, { envelope })).cached, 'the same question is answered from the cache');
  const revoked = await postJson(`${service.url}/api/v1/keys/${key.keyId}/revoke`, { version: 'all', reason: 'key compromised', effectiveAt: '2000-01-01T00:00:00Z' });
  t.is(revoked.status, 200, JSON.stringify(revoked.body));
  let answer = first;
  for (let i = 0; i < 50 && answer.verified; i++) {
    await new Promise((r) => setTimeout(r, 20));
    answer = await verify(service.url, { envelope });
  }
  t.false(answer.verified, 'a revocation effective before signing fails the signature');
  t.false(answer.cached);
  t.true(answer.checks.some((c) => c.name === 'signature[0]' && !c.ok && /revoked/.test(c.reason ?? '')));
});

test('a policy in deny mode fails on its checks; in warn mode it reports them and still verifies', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  const { envelope } = await logged(service.url, key.keyId, 'app-4');
  const strict = { version: 1, requiredLogs: ['rekor-public'], minSignatures: 1 };
  const denied = await verify(service.url, { envelope, policy: strict });
  t.false(denied.verified);
  t.true(denied.checks.some((c) => c.name === 'policy.required-log:rekor-public' && !c.ok));
  const warned = await verify(service.url, { envelope, policy: { ...strict, mode: 'warn' } });
  t.true(warned.verified);
  t.is(warned.outcome, 'warned');
  const bad = await postJson(`${service.url}/api/v1/verify`, { envelope, policy: { version: 2 } });
  t.is(bad.status, 400);
  t.regex(String(bad.body['detail']), /policy version must be 1/);
});

test('every verification is recorded as a VerificationPerformed event in the audit trail', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  const { envelope } = await logged(service.url, key.keyId, 'app-5');
  await verify(service.url, { envelope });
  const batch = await postJson(`${service.url}/api/v1/verify:batch`, { items: [{ envelope }, { envelope: { bad: true } }] });
  t.is(batch.status, 200);
  const results = batch.body['results'] as { status: number }[];
  t.deepEqual(results.map((r) => r.status), [200, 400]);
  const store = SqliteEventStore.open(join(service.dataDir, 'events.sqlite'));
  t.teardown(() => store.close());
  const performed = await store.readAll({ filter: { eventTypePrefixes: ['VerificationPerformed'] } });
  t.is(performed.length, 2);
  t.is((performed[0]!.data as { outcome: string }).outcome, 'verified');
});

test('a registered key given as the verifier is judged by the registry, whatever keyid the envelope claims (keyid is not signed)', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  const { envelope } = await logged(service.url, key.keyId, 'app-keyid');
  // The same signature with its keyid stripped: no registered key is named any more.
  const signed = envelope as { signatures: { keyid?: string; sig: string }[] };
  const stripped = { ...signed, signatures: signed.signatures.map(({ sig }) => ({ sig })) };
  const submitted = await postJson(`${service.url}/api/v1/rekor/entries`, { envelope: stripped, verifier: key.publicKeyPem });
  t.is(submitted.status, 201, JSON.stringify(submitted.body));

  const before = await verify(service.url, { envelope: stripped, verifier: key.publicKeyPem });
  t.true(before.verified, JSON.stringify(before.checks.filter((c) => !c.ok)));
  t.regex(before.checks.find((c) => c.name === 'signature[0]')?.reason ?? '', new RegExp(`key ${key.keyId} v1`));

  const revoked = await postJson(`${service.url}/api/v1/keys/${key.keyId}/revoke`, { version: 'all', reason: 'key compromised', effectiveAt: '2000-01-01T00:00:00Z' });
  t.is(revoked.status, 200);
  let after = before;
  for (let i = 0; i < 50 && after.verified; i++) {
    await new Promise((r) => setTimeout(r, 20));
    after = await verify(service.url, { envelope: stripped, verifier: key.publicKeyPem });
  }
  t.false(after.verified, 'stripping the keyid does not escape the revocation');
  t.true(after.checks.some((c) => c.name === 'signature[0]' && !c.ok && /revoked/.test(c.reason ?? '')), JSON.stringify(after.checks));

  // Nor does giving the same key in another encoding (a compressed point: other bytes, same key).
  const compressedPem = execFileSync('openssl', ['ec', '-pubin', '-pubout', '-conv_form', 'compressed'], { input: key.publicKeyPem, stdio: ['pipe', 'pipe', 'ignore'] }).toString();
  const renamed = { ...stripped, signatures: stripped.signatures.map(({ sig }) => ({ sig, keyid: 'someone-else' })) };
  t.is((await postJson(`${service.url}/api/v1/rekor/entries`, { envelope: renamed, verifier: compressedPem })).status, 201);
  const disguised = await verify(service.url, { envelope: renamed, verifier: compressedPem });
  t.false(disguised.verified, JSON.stringify(disguised.checks));
  t.true(disguised.checks.some((c) => c.name === 'signature[0]' && !c.ok && /revoked/.test(c.reason ?? '')), JSON.stringify(disguised.checks));
});
