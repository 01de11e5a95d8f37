import test from 'ava';
import { createPublicKey, verify } from 'node:crypto';
import { dsse } from '@sigstore/core';
import { streamName } from '../../domain/events/stream-name';
import { sha256Hex } from '../../domain/shared/sha256';
import { envelopeBytes, type DsseEnvelope } from '../../domain/signing/dsse-envelope';
import type { EnvelopeSignedData } from '../../domain/signing/envelope.events';
import { type AppError } from '../../src/errors/app-error';
import { fixture } from './helpers/fixture';

const STATEMENT = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [
    { name: 'attestor-1.0.0.tgz', digest: { sha256: 'a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf' } },
    { name: 'attestor.sbom.json', digest: { sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', sha512: 'ab'.repeat(64) } },
  ],
  predicateType: 'https://slsa.dev/provenance/v1',
  predicate: { buildDefinition: { buildType: 'https://example.com/build' } },
};
const INTOTO = 'application/vnd.in-toto+json';

/** Verification that shares nothing with our signer: @sigstore/core PAE + node:crypto, public key from the key registry. */
function independentlyVerifies(envelope: DsseEnvelope, signatureIndex: number, publicKeyPem: string): boolean {
  const sig = envelope.signatures[signatureIndex];
  if (sig === undefined) return false;
  const message = dsse.preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload, 'base64'));
  return verify('sha256', message, createPublicKey(publicKeyPem), Buffer.from(sig.sig, 'base64'));
}

test('an in-toto statement signed by two keys verifies independently, records its subjects and is archived by digest', async (t) => {
  const f = fixture();
  t.teardown(() => f.close());
  const a = await f.keys.create({ name: 'release', provider: 'file' });
  const b = await f.keys.create({ name: 'countersign', provider: 'file' });
  const payload = Buffer.from(JSON.stringify(STATEMENT));
  const result = await f.signing.sign({ keyIds: [a.keyId, b.keyId], payloadType: INTOTO, payload }, { actor: 'alice', tenant: 'acme' });

  t.is(result.envelope.signatures.length, 2);
  t.is(result.envelope.signatures[0]?.keyid, a.versions[0]?.fingerprint);
  t.is(result.envelope.signatures[1]?.keyid, b.versions[0]?.fingerprint);
  t.true(independentlyVerifies(result.envelope, 0, a.versions[0]?.publicKeyPem ?? ''));
  t.true(independentlyVerifies(result.envelope, 1, b.versions[0]?.publicKeyPem ?? ''));
  t.false(independentlyVerifies(result.envelope, 0, b.versions[0]?.publicKeyPem ?? ''));
  // keyid is the hex SHA-256 of the DER SPKI, computed here without our helpers
  t.is(result.envelope.signatures[0]?.keyid, sha256Hex(createPublicKey(a.versions[0]?.publicKeyPem ?? '').export({ type: 'spki', format: 'der' })));

  const archived = await f.archive.get(result.envelopeDigest);
  t.deepEqual(archived, envelopeBytes(result.envelope));
  t.is(sha256Hex(archived ?? Buffer.alloc(0)), result.envelopeDigest);

  const events = await f.store.readStream(streamName('envelope', result.envelopeDigest));
  t.is(events.length, 1);
  t.is(events[0]?.type, 'EnvelopeSigned');
  t.is(events[0]?.metadata.actor, 'alice');
  const data = events[0]?.data as EnvelopeSignedData;
  t.like(data, { envelopeDigest: result.envelopeDigest, payloadType: INTOTO, payloadDigest: sha256Hex(payload) });
  t.deepEqual(data.subjects.map((s) => s.digest['sha256']), STATEMENT.subject.map((s) => s.digest.sha256));
  t.deepEqual(data.signers.map((s) => s.keyId), [a.keyId, b.keyId]);
  t.deepEqual(data.signers.map((s) => s.keyVersion), [1, 1]);

  const verdict = await f.verification.verifyStored(result.envelopeDigest);
  t.true(verdict.valid, JSON.stringify(verdict));
});

test('a non-in-toto payload is signed with no subjects', async (t) => {
  const f = fixture();
  t.teardown(() => f.close());
  const key = await f.keys.create({ name: 'k', provider: 'file' });
  const result = await f.signing.sign({ keyIds: [key.keyId], payloadType: 'text/plain', payload: Buffer.from('hello world') });
  t.deepEqual(result.subjects, []);
  t.true(independentlyVerifies(result.envelope, 0, key.versions[0]?.publicKeyPem ?? ''));
});

test('bad sign requests get precise 4xx and write nothing', async (t) => {
  const f = fixture([], { maxPayloadBytes: 64 });
  t.teardown(() => f.close());
  const key = await f.keys.create({ name: 'k', provider: 'file' });
  const head = await f.store.headPosition();
  const fail = async (request: Parameters<typeof f.signing.sign>[0]) => (await t.throwsAsync<AppError>(f.signing.sign(request))) ?? {};

  t.like(await fail({ keyIds: ['k-missing'], payloadType: 'text/plain', payload: Buffer.from('x') }), { status: 404, code: 'key_not_found' });
  t.like(await fail({ keyIds: [], payloadType: 'text/plain', payload: Buffer.from('x') }), { status: 400 });
  t.like(await fail({ keyIds: [key.keyId, key.keyId], payloadType: 'text/plain', payload: Buffer.from('x') }), { status: 400, code: 'duplicate_key' });
  t.like(await fail({ keyIds: ['bad id!'], payloadType: 'text/plain', payload: Buffer.from('x') }), { status: 400 });
  t.like(await fail({ keyIds: [key.keyId], payloadType: 'text/plain', payload: Buffer.alloc(65) }), { status: 413, code: 'payload_too_large' });
  t.like(await fail({ keyIds: [key.keyId], payloadType: INTOTO, payload: Buffer.from('{"_type":"x"}') }), { status: 400, code: 'invalid_statement' });
  t.like(await fail({ keyIds: [key.keyId], payloadType: '', payload: Buffer.from('x') }), { status: 400 });
  for (const payloadType of ['text/plain\u0000', 'text/\ud800plain', ' text/plain', 'x'.repeat(257)]) {
    t.like(await fail({ keyIds: [key.keyId], payloadType, payload: Buffer.from('x') }), { status: 400, code: 'invalid_sign_request' }, JSON.stringify(payloadType));
  }

  await f.keys.revoke(key.keyId, { version: 'all', reason: 'done' });
  const afterRevoke = await f.store.headPosition();
  t.like(await fail({ keyIds: [key.keyId], payloadType: 'text/plain', payload: Buffer.from('x') }), { status: 409, code: 'key_revoked' });
  t.deepEqual(await f.store.headPosition(), afterRevoke);
  t.true(afterRevoke.commit === head.commit + 1n, 'only the revocation was written');
});

test('signatures made before a revocation effectiveAt verify; those after do not; rotation keeps old signatures valid', async (t) => {
  const f = fixture();
  t.teardown(() => f.close());
  f.clock.set('2025-06-01T00:00:00.000Z');
  const key = await f.keys.create({ name: 'k', provider: 'file' });

  f.clock.set('2025-06-02T00:00:00.000Z');
  const early = await f.signing.sign({ keyIds: [key.keyId], payloadType: 'text/plain', payload: Buffer.from('early') });
  f.clock.set('2025-06-04T00:00:00.000Z');
  const late = await f.signing.sign({ keyIds: [key.keyId], payloadType: 'text/plain', payload: Buffer.from('late') });

  f.clock.set('2025-06-05T00:00:00.000Z');
  const rotated = await f.keys.rotate(key.keyId);
  t.is(rotated.activeVersion, 2);
  const v2 = await f.signing.sign({ keyIds: [key.keyId], payloadType: 'text/plain', payload: Buffer.from('v2') });
  t.is(v2.envelope.signatures[0]?.keyid, rotated.versions[1]?.fingerprint);
  t.true((await f.verification.verifyStored(early.envelopeDigest)).valid, 'rotation does not invalidate v1 signatures');

  // Compromise of v1 discovered on the 6th, effective from the 3rd.
  f.clock.set('2025-06-06T00:00:00.000Z');
  await f.keys.revoke(key.keyId, { version: 1, reason: 'key compromise', effectiveAt: '2025-06-03T00:00:00Z' });

  t.true((await f.verification.verifyStored(early.envelopeDigest)).valid);
  const lateVerdict = await f.verification.verifyStored(late.envelopeDigest);
  t.false(lateVerdict.valid);
  t.is(lateVerdict.signatures[0]?.reason, 'revoked');
  t.true((await f.verification.verifyStored(v2.envelopeDigest)).valid, 'v2 is untouched by the v1 revocation');

  // The same via verifyAt (no signing record, time only)
  t.true((await f.verification.verifyAt(early.envelope, '2025-06-02T00:00:00Z')).valid);
  t.false((await f.verification.verifyAt(late.envelope, '2025-06-04T00:00:00Z')).valid);
});

test('a tampered envelope or a signature by a version that was not active fails verification', async (t) => {
  const f = fixture();
  t.teardown(() => f.close());
  const key = await f.keys.create({ name: 'k', provider: 'file' });
  const signed = await f.signing.sign({ keyIds: [key.keyId], payloadType: 'text/plain', payload: Buffer.from('original') });
  const [record] = await f.store.readStream(streamName('envelope', signed.envelopeDigest));
  const data = record?.data as EnvelopeSignedData;

  const tampered: DsseEnvelope = { ...signed.envelope, payload: Buffer.from('changed').toString('base64') };
  const verdict = await f.verification.verifyAsSigned(tampered, data);
  t.false(verdict.valid);
  t.is(verdict.signatures[0]?.reason, 'bad_signature');

  const wrongType: DsseEnvelope = { ...signed.envelope, payloadType: 'text/html' };
  t.false((await f.verification.verifyAsSigned(wrongType, data)).valid);

  await f.keys.rotate(key.keyId);
  const claimsV2 = { ...data, signers: data.signers.map((s) => ({ ...s, keyVersion: 2 })) };
  t.is((await f.verification.verifyAsSigned(signed.envelope, claimsV2)).signatures[0]?.reason, 'not_active_at_signing');

  const noSig: DsseEnvelope = { ...signed.envelope, signatures: [] };
  t.false((await f.verification.verifyAsSigned(noSig, data)).valid);
});

test('the key lifecycle is a stream of events: created, activated, rotated, revoked', async (t) => {
  const f = fixture();
  t.teardown(() => f.close());
  const key = await f.keys.create({ name: 'k', provider: 'file' }, { actor: 'ops' });
  await f.keys.rotate(key.keyId, {}, { actor: 'ops' });
  await f.keys.revoke(key.keyId, { version: 'all', reason: 'decommissioned' }, { actor: 'ops' });
  const events = await f.store.readStream(streamName('key', key.keyId));
  t.deepEqual(events.map((e) => e.type), ['KeyCreated', 'KeyVersionActivated', 'KeyVersionActivated', 'KeyRotated', 'KeyRevoked']);
  t.true(events.every((e) => e.schemaVersion === 1 && e.metadata.actor === 'ops'));
  t.like(events[4]?.data, { version: 'all', versions: [1, 2], reason: 'decommissioned' });
  const error = await t.throwsAsync(f.keys.rotate(key.keyId));
  t.is((error as AppError).code, 'key_revoked');
  t.is((await f.store.readStream(streamName('key', key.keyId))).length, 5, 'nothing written by the refused rotation');
});

test('creating a key with a malformed import or an unconfigured provider writes nothing', async (t) => {
  const f = fixture();
  t.teardown(() => f.close());
  const code = async (p: Promise<unknown>) => (await t.throwsAsync<AppError>(p))?.code;
  t.is(await code(f.keys.create({ name: 'k', provider: 'file', import: { privateKeyPem: 'nope' } })), 'malformed_pem');
  t.is(await code(f.keys.create({ name: 'k', provider: 'kms' })), 'key_provider_not_configured');
  t.is(await code(f.keys.create({ name: 'k', provider: 'vault' })), 'unknown_key_provider');
  t.is(await code(f.keys.create({ name: 'k', provider: 'file', algorithm: 'rsa' })), 'unsupported_algorithm');
  t.is(await code(f.keys.create({ name: '', provider: 'file' })), 'invalid_key_request');
  t.deepEqual((await f.store.headPosition()).commit, 0n);
  const k = await f.keys.create({ keyId: 'release-2025', name: 'k', provider: 'file' });
  t.is(k.keyId, 'release-2025');
  t.is(await code(f.keys.create({ keyId: 'release-2025', name: 'k', provider: 'file' })), 'key_already_exists');
});
