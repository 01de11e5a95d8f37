import test from 'ava';
import { signingRest } from './helpers/rest';

const service = (t: { teardown(fn: () => unknown): void }) => signingRest(t, { maxPayloadBytes: 4096 });

test('keys are created, listed, shown, rotated and revoked over REST', async (t) => {
  const { call } = await service(t);
  const created = await call('POST', '/api/v1/keys', { name: 'release', provider: 'file' });
  t.is(created.status, 201);
  const keyId = created.body['keyId'] as string;
  t.is(created.headers.get('location'), `/api/v1/keys/${keyId}`);
  t.like(created.body, { status: 'active', activeVersion: 1, algorithm: 'ecdsa-p256-sha256' });

  const list = await call('GET', '/api/v1/keys');
  t.is((list.body['items'] as unknown[]).length, 1);

  const rotated = await call('POST', `/api/v1/keys/${keyId}/rotate`, {});
  t.is(rotated.status, 200);
  t.like(rotated.body, { activeVersion: 2 });

  const revoked = await call('POST', `/api/v1/keys/${keyId}/revoke`, { version: 'all', reason: 'end of life' });
  t.like(revoked.body, { status: 'revoked' });
  const shown = await call('GET', `/api/v1/keys/${keyId}`);
  t.deepEqual((shown.body['versions'] as { status: string }[]).map((v) => v.status), ['revoked', 'revoked']);
});

test('POST /sign returns the envelope and its digest; GET /envelopes/{digest} serves the archived bytes', async (t) => {
  const { call } = await service(t);
  const key = await call('POST', '/api/v1/keys', { name: 'k', provider: 'file' });
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'x', digest: { sha256: 'ab'.repeat(32) } }],
    predicateType: 'https://example.com/p',
    predicate: {},
  };
  const signed = await call('POST', '/api/v1/sign', { keyId: key.body['keyId'], statement });
  t.is(signed.status, 201, signed.text);
  const digest = signed.body['envelopeDigest'] as string;
  t.regex(digest, /^[0-9a-f]{64}$/);
  const fetched = await call('GET', `/api/v1/envelopes/${digest}`);
  t.is(fetched.status, 200);
  t.deepEqual(fetched.body, signed.body['envelope']);
  const verification = await call('GET', `/api/v1/envelopes/${digest}/verification`);
  t.like(verification.body, { valid: true });

  const plain = await call('POST', '/api/v1/sign', { keyIds: [key.body['keyId']], payloadType: 'text/plain', payload: Buffer.from('hi').toString('base64') });
  t.is(plain.status, 201);
});

test('bad input gets precise problem+json 4xx', async (t) => {
  const { call } = await service(t);
  const key = await call('POST', '/api/v1/keys', { name: 'k', provider: 'file' });
  const cases: [string, string, unknown, number, string][] = [
    ['POST', '/api/v1/keys', { name: 'k', provider: 'file', import: { privateKeyPem: 'garbage' } }, 400, 'malformed_pem'],
    ['POST', '/api/v1/keys', { name: 'k', provider: 'file', algorithm: 'ed25519' }, 400, 'unsupported_algorithm'],
    ['POST', '/api/v1/keys', { name: 'k' }, 400, 'invalid_request_body'],
    ['GET', '/api/v1/keys/k-unknown', undefined, 404, 'key_not_found'],
    ['POST', '/api/v1/keys/k-unknown/rotate', {}, 404, 'key_not_found'],
    ['POST', `/api/v1/keys/${String(key.body['keyId'])}/revoke`, { version: 9, reason: 'x' }, 404, 'key_version_not_found'],
    ['POST', '/api/v1/sign', { keyId: 'k-unknown', payloadType: 't', payload: 'aGk=' }, 404, 'key_not_found'],
    ['POST', '/api/v1/sign', { keyId: key.body['keyId'], payloadType: 't', payload: Buffer.alloc(5000).toString('base64') }, 413, 'payload_too_large'],
    ['POST', '/api/v1/sign', { keyId: key.body['keyId'], payloadType: 't', payload: '***' }, 400, 'invalid_request_body'],
    ['POST', '/api/v1/sign', { keyId: key.body['keyId'], statement: { _type: 'nope' } }, 400, 'invalid_statement'],
    ['GET', '/api/v1/envelopes/not-a-digest', undefined, 400, 'invalid_digest'],
    ['GET', `/api/v1/envelopes/${'0'.repeat(64)}`, undefined, 404, 'envelope_not_found'],
  ];
  for (const [method, path, body, status, code] of cases) {
    const res = await call(method, path, body);
    t.is(res.status, status, `${method} ${path}: ${res.text}`);
    t.is(res.body['code'], code, `${method} ${path}`);
    t.regex(res.type, /application\/problem\+json/);
  }
  await call('POST', `/api/v1/keys/${String(key.body['keyId'])}/revoke`, { version: 1, reason: 'x' });
  const revoked = await call('POST', '/api/v1/sign', { keyId: key.body['keyId'], payloadType: 't', payload: 'aGk=' });
  t.is(revoked.status, 409);
  t.is(revoked.body['code'], 'key_revoked');
});
