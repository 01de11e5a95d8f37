import test from 'ava';
import { createHash, createPublicKey } from 'node:crypto';
import { verifyBundle } from '../../domain/transparency/bundle.verify';
import { aKey, aStatementFor, getJson, postJson } from '../support/api';
import { anEcdsaSigner, aStatement, signEnvelope } from '../support/dsse';
import { aRunningService } from '../support/service';

const hex = (s: string): string => createHash('sha256').update(s).digest('hex');

test('sign-and-submit answers 201 with {uuid, logIndex, proof, checkpoint} and a bundle that verifies offline', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  const subject = hex('sbom-1');
  const res = await postJson(`${service.url}/api/v1/rekor/entries`, { sign: { keyId: key.keyId, statement: aStatementFor('sbom.json', subject) } });
  t.is(res.status, 201, JSON.stringify(res.body));
  t.regex(String(res.body['uuid']), /^[0-9a-f]{64}$/);
  t.is(res.body['logIndex'], 0);
  t.false(res.body['attestationPending']);
  const trustedRoot = (await getJson(`${service.url}/api/v1/trusted-root`)).body;
  const verdict = verifyBundle(res.body['bundle'], { trustedRoot, publicKey: createPublicKey(key.publicKeyPem) });
  t.true(verdict.verified, JSON.stringify(verdict.checks.filter((c) => !c.ok)));
});

test('the entry cache finds the entry by UUID, by envelope digest and by subject digest', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  const subject = hex('image-1');
  const res = await postJson(`${service.url}/api/v1/rekor/entries`, { sign: { keyId: key.keyId, statement: aStatementFor('image', subject) } });
  const uuid = String(res.body['uuid']);
  const poll = async (url: string): Promise<Record<string, unknown>> => {
    for (let i = 0; i < 100; i++) {
      const r = await getJson(url);
      if (r.status === 200 && (!('entries' in r.body) || (r.body['entries'] as unknown[]).length > 0)) return r.body;
      await new Promise((ok) => setTimeout(ok, 20));
    }
    throw new Error(`${url} never answered`);
  };
  const byUuid = await poll(`${service.url}/api/v1/entries/${uuid}`);
  t.is(byUuid['uuid'], uuid);
  t.is(byUuid['logIndex'], 0);
  t.truthy(byUuid['inclusionProof']);
  const byEnvelope = await poll(`${service.url}/api/v1/entries?envelopeDigest=${String(res.body['envelopeDigest'])}`);
  t.is((byEnvelope['entries'] as { uuid: string }[])[0]?.uuid, uuid);
  const bySubject = await poll(`${service.url}/api/v1/entries?subject=sha256:${subject}`);
  t.is((bySubject['entries'] as { uuid: string }[])[0]?.uuid, uuid);
  t.is((await getJson(`${service.url}/api/v1/entries/${'0'.repeat(64)}`)).status, 404);
  t.is((await getJson(`${service.url}/api/v1/entries/not-a-uuid`)).status, 400);
});

test('an envelope signed elsewhere is submitted with its signer key, and submitting it again finds the same submission', async (t) => {
  const service = await aRunningService(t);
  const signer = anEcdsaSigner();
  const envelope = signEnvelope(signer, aStatement());
  const first = await postJson(`${service.url}/api/v1/rekor/entries`, { envelope, verifier: signer.publicKeyPem });
  const again = await postJson(`${service.url}/api/v1/rekor/entries`, { envelope, verifier: signer.publicKeyPem });
  t.is(first.status, 201);
  t.is(again.status, 201);
  t.is(again.body['uuid'], first.body['uuid']);
  t.is(again.body['submissionId'], first.body['submissionId']);
  const submission = await getJson(`${service.url}/api/v1/submissions/${String(first.body['submissionId'])}`);
  t.is(submission.status, 200);
});

test('bad submissions get a 4xx that says what to fix, and nothing is written', async (t) => {
  const service = await aRunningService(t);
  const signer = anEcdsaSigner();
  const other = anEcdsaSigner();
  const envelope = signEnvelope(signer, aStatement());
  const cases: [string, unknown, number, RegExp][] = [
    ['nothing to submit', {}, 400, /exactly one of envelope, envelopeDigest, sign/],
    ['unknown signer', { envelope }, 400, /send the signer's PEM public key/],
    ['wrong key', { envelope, verifier: other.publicKeyPem }, 400, /does not verify/],
    ['not a key', { envelope, verifier: 'hello' }, 400, /not a PEM public key/],
    ['two signatures', { envelope: { ...envelope, signatures: [...envelope.signatures, ...envelope.signatures] }, verifier: signer.publicKeyPem }, 400, /exactly one/],
    ['not base64', { envelope: { ...envelope, payload: '***' }, verifier: signer.publicKeyPem }, 400, /base64/],
    ['empty payload', { envelope: { ...envelope, payload: '' }, verifier: signer.publicKeyPem }, 400, /payload is empty, which a transparency log refuses/],
    ['unknown key id', { sign: { keyId: 'k-nope', statement: aStatement() } }, 404, /k-nope/],
    ['unknown archived envelope', { envelopeDigest: 'e'.repeat(64) }, 404, /no envelope/],
  ];
  for (const [what, body, status, detail] of cases) {
    const res = await postJson(`${service.url}/api/v1/rekor/entries`, body);
    t.is(res.status, status, what);
    t.regex(String(res.body['detail']), detail, what);
  }
  const entries = await getJson(`${service.url}/api/v1/entries?envelopeDigest=${'e'.repeat(64)}`);
  t.deepEqual(entries.body['entries'], []);
});

test('a batch submits many envelopes and reports each one', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  const entries = Array.from({ length: 10 }, (_, i) => ({ sign: { keyId: key.keyId, statement: aStatementFor(`a${i}`, hex(`a${i}`)) } }));
  const res = await postJson(`${service.url}/api/v1/rekor/entries:batch`, { entries: [...entries, { envelope: { nope: 1 } }] });
  t.is(res.status, 200);
  const results = res.body['results'] as { index: number; status: number; body: { logIndex?: number } }[];
  t.is(results.filter((r) => r.status === 201).length, 10);
  t.is(results[10]?.status, 400);
  t.deepEqual(new Set(results.slice(0, 10).map((r) => r.body.logIndex)).size, 10);
});

test('/metrics counts logged submissions per log', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  await postJson(`${service.url}/api/v1/rekor/entries`, { sign: { keyId: key.keyId, statement: aStatement() } });
  const text = await (await fetch(`${service.url}/metrics`)).text();
  t.regex(text, /attestor_submission_total\{log="local",result="logged"\} 1/);
  t.regex(text, /rekor_inclusion_latency_seconds_count\{log="local"\} 1/);
});

test('an unknown submission is a 404, a malformed id a 400, and a non-JSON body a 415', async (t) => {
  const service = await aRunningService(t);
  const unknown = await getJson(`${service.url}/api/v1/submissions/${'f'.repeat(64)}`);
  t.is(unknown.status, 404);
  t.is(unknown.body['code'], 'submission_not_found');
  t.is((await postJson(`${service.url}/api/v1/submissions/bad%20id/requeue`, { log: 'local', reason: 'x' })).status, 400);
  const text = await fetch(`${service.url}/api/v1/rekor/entries`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
  t.is(text.status, 415);
  t.is(((await text.json()) as { code: string }).code, 'unsupported_media_type');
});
