import test from 'ava';
import { execFile } from 'node:child_process';
import { createPublicKey, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { pae } from '../../domain/signing/dsse-envelope';
import { verifyBundle } from '../../domain/transparency/bundle.verify';
import { aKey, getJson, postJson } from '../support/api';
import { anEcdsaSigner, type Envelope, type TestSigner } from '../support/dsse';
import { aRunningService, eventCount } from '../support/service';
import { tempDir } from '../support/temp-dir';

/**
 * DSSE payload and sig are padded standard or padded URL-safe base64, one
 * alphabet per text, with no stray bits (domain/signing/dsse-base64.ts). Every
 * door that takes an envelope refuses any other spelling with a 400 naming the
 * field, before anything is written; the spellings real signers write are
 * accepted, logged and verified as one envelope.
 */

const PAYLOAD_TYPE = 'application/vnd.example.dsse-base64+json';
// Ten bytes, so the standard spelling ends in "==" and holds both "+" and "/": every way to misspell it applies.
const PAYLOAD = Buffer.concat([Buffer.from('"dsse"'), Buffer.from([0xfb, 0xff, 0xbf]), Buffer.from('!')]);

function signed(signer: TestSigner): Envelope {
  const sig = sign('sha256', pae(PAYLOAD_TYPE, PAYLOAD), signer.privateKey);
  return { payload: PAYLOAD.toString('base64'), payloadType: PAYLOAD_TYPE, signatures: [{ keyid: '', sig: sig.toString('base64') }] };
}

const toUrlSafe = (text: string): string => text.replace(/\+/g, '-').replace(/\//g, '_');
const withPayload = (e: Envelope, payload: string): Envelope => ({ ...e, payload });
const withSig = (e: Envelope, sig: string): Envelope => ({ ...e, signatures: [{ keyid: '', sig }] });

/** Misspellings of a good envelope, each with what the 400 must say. */
function misspellings(good: Envelope): [string, Envelope, RegExp][] {
  const p = good.payload;
  const s = good.signatures[0]!.sig;
  return [
    ['partial padding', withPayload(good, p.slice(0, -1)), /^envelope: payload is not canonical base64: its padding is "=": .* ends in "=="$/],
    ['no padding', withPayload(good, p.replace(/=+$/, '')), /^envelope: payload is not canonical base64: its padding is missing/],
    ['mixed alphabets', withPayload(good, p.replace('+', '-')), /^envelope: payload is not canonical base64: it mixes the standard \(\+ \/\) and the URL-safe \(- _\) alphabets/],
    ['unused bits set', withPayload(good, p.slice(0, -3) + String.fromCharCode(p.charCodeAt(p.length - 3) + 1) + '=='), /^envelope: payload is not canonical base64: its last character has unused bits set/],
    ['a line break in the sig', withSig(good, `${s.slice(0, 20)}\n${s.slice(20)}`), /^envelope: signatures\[0\]\.sig is not canonical base64: a line break at offset 20/],
    ['a stray character in the sig', withSig(good, `${s.slice(0, 8)}*${s.slice(8)}`), /^envelope: signatures\[0\]\.sig is not canonical base64: the character "\*" at offset 8/],
  ];
}

test('the payload chosen here can be misspelled every way the rule refuses', (t) => {
  const p = PAYLOAD.toString('base64');
  t.true(p.endsWith('==') && p.includes('+') && p.includes('/'), p);
});

test('POST /api/v1/rekor/entries refuses each misspelled payload or sig with a 400 naming the field, and writes nothing', async (t) => {
  const service = await aRunningService(t);
  const signer = anEcdsaSigner();
  const before = await eventCount(service.dataDir);
  for (const [what, envelope, detail] of misspellings(signed(signer))) {
    const res = await postJson(`${service.url}/api/v1/rekor/entries?wait=0`, { envelope, verifier: signer.publicKeyPem });
    t.is(res.status, 400, what);
    t.regex(res.headers.get('content-type') ?? '', /application\/problem\+json/, what);
    t.is(res.body['code'], 'invalid_envelope', what);
    t.regex(String(res.body['detail']), detail, what);
  }
  t.is(await eventCount(service.dataDir), before, 'no submission, no archive record');
});

test('POST /api/v1/verify refuses the same misspellings with the same 400 and records no verification', async (t) => {
  const service = await aRunningService(t);
  const signer = anEcdsaSigner();
  const before = await eventCount(service.dataDir);
  for (const [what, envelope, detail] of misspellings(signed(signer))) {
    const res = await postJson(`${service.url}/api/v1/verify`, { envelope, verifier: signer.publicKeyPem });
    t.is(res.status, 400, what);
    t.is(res.body['code'], 'invalid_envelope', what);
    t.regex(String(res.body['detail']), detail, what);
  }
  t.is(await eventCount(service.dataDir), before);
});

test('signing refuses a misspelled payload before it signs, and sign-and-submit an empty one no log would take', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  const before = await eventCount(service.dataDir);
  const sign = await postJson(`${service.url}/api/v1/sign`, { keyId: key.keyId, payloadType: PAYLOAD_TYPE, payload: 'xx=' });
  t.is(sign.status, 400);
  t.regex(String(sign.body['detail']), /^payload is not canonical base64: its padding is "=": RFC 4648 base64 of this length ends in "=="$/);
  const submit = await postJson(`${service.url}/api/v1/rekor/entries`, { sign: { keyId: key.keyId, payloadType: PAYLOAD_TYPE, payload: 'ab+_' } });
  t.is(submit.status, 400);
  t.regex(String(submit.body['detail']), /^sign\.payload is not canonical base64: it mixes/);
  const empty = await postJson(`${service.url}/api/v1/rekor/entries`, { sign: { keyId: key.keyId, payloadType: PAYLOAD_TYPE, payload: '' } });
  t.is(empty.status, 400);
  t.regex(String(empty.body['detail']), /^sign\.payload is empty/);
  t.is(await eventCount(service.dataDir), before, 'nothing was signed');
  const urlSafe = await postJson(`${service.url}/api/v1/sign`, { keyId: key.keyId, payloadType: PAYLOAD_TYPE, payload: toUrlSafe(PAYLOAD.toString('base64')) });
  t.is(urlSafe.status, 201, JSON.stringify(urlSafe.body));
  t.is((urlSafe.body['envelope'] as Envelope).payload, PAYLOAD.toString('base64'), 'the envelope is written in the canonical spelling');
});

test('a URL-safe envelope, as the DSSE spec allows, is logged and verifies end to end as the same envelope as its standard twin', async (t) => {
  const service = await aRunningService(t);
  const signer = anEcdsaSigner();
  const standard = signed(signer);
  const urlSafe: Envelope = { ...standard, payload: toUrlSafe(standard.payload), signatures: [{ keyid: '', sig: toUrlSafe(standard.signatures[0]!.sig) }] };
  t.not(urlSafe.payload, standard.payload);

  const first = await postJson(`${service.url}/api/v1/rekor/entries`, { envelope: urlSafe, verifier: signer.publicKeyPem });
  t.is(first.status, 201, JSON.stringify(first.body));
  const twin = await postJson(`${service.url}/api/v1/rekor/entries`, { envelope: standard, verifier: signer.publicKeyPem });
  t.is(twin.status, 201);
  t.is(twin.body['envelopeDigest'], first.body['envelopeDigest'], 'one digest for one envelope, whichever spelling');
  t.is(twin.body['uuid'], first.body['uuid'], 'logged once');

  const archived = await fetch(`${service.url}/api/v1/envelopes/${String(first.body['envelopeDigest'])}`);
  t.like(await archived.json(), { payload: standard.payload, signatures: [{ sig: standard.signatures[0]!.sig }] }, 'archived in the canonical spelling');

  const trustedRoot = (await getJson(`${service.url}/api/v1/trusted-root`)).body;
  const offline = verifyBundle(first.body['bundle'], { trustedRoot, publicKey: createPublicKey(signer.publicKeyPem) });
  t.true(offline.verified, JSON.stringify(offline.checks.filter((c) => !c.ok)));

  for (let i = 0; i < 100 && ((await getJson(`${service.url}/api/v1/entries?envelopeDigest=${String(first.body['envelopeDigest'])}`)).body['entries'] as unknown[]).length === 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const online = await postJson(`${service.url}/api/v1/verify`, { envelope: urlSafe, verifier: signer.publicKeyPem });
  t.is(online.status, 200);
  t.true(online.body['verified'], JSON.stringify(online.body['checks']));
});

test('attestor submit --envelope says which field is misspelled and the service writes nothing', async (t) => {
  const service = await aRunningService(t);
  const dir = tempDir(t);
  const signer = anEcdsaSigner();
  const envelopeFile = join(dir, 'envelope.json');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(envelopeFile, JSON.stringify(withPayload(signed(signer), PAYLOAD.toString('base64').slice(0, -1))));
  writeFileSync(keyFile, signer.publicKeyPem);
  const before = await eventCount(service.dataDir);
  const run = promisify(execFile);
  const failed = await t.throwsAsync(run(process.execPath, [resolve('dist/src/cli/main.js'), 'submit', '--envelope', envelopeFile, '--verifier', keyFile, '--server', service.url]));
  t.regex((failed as unknown as { stderr: string }).stderr, /^attestor: 400 invalid_envelope: envelope: payload is not canonical base64: its padding is "="/);
  t.is(await eventCount(service.dataDir), before);
});
