import test from 'ava';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import winston from 'winston';
import { startTlogServer } from '../../src/tlog/tlog-server';
import { aKey, aStatementFor, postJson } from '../support/api';
import { aStatement, anEcdsaSigner, signEnvelope } from '../support/dsse';
import { tempDir } from '../support/temp-dir';
import { aRunningService, eventCount } from '../support/service';

test('malformed percent-encoding in a path is a 400 problem, not a 500', async (t) => {
  const { url } = await aRunningService(t);
  for (const path of ['/api/v1/keys/%ZZ', '/api/v1/entries/%ZZ', '/api/v1/envelopes/%ZZ']) {
    const res = await fetch(`${url}${path}`);
    t.is(res.status, 400, path);
    t.is(((await res.json()) as { code: string }).code, 'invalid_path_encoding');
  }
});

test('an undecodable compressed body is a 400 problem', async (t) => {
  const { url } = await aRunningService(t);
  const res = await fetch(`${url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'not gzip' });
  t.is(res.status, 400);
  t.regex(res.headers.get('content-type') ?? '', /problem\+json/);
});

test('JSON nested deeper than 64 levels is refused before it reaches a route', async (t) => {
  const { url } = await aRunningService(t);
  const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
  const res = await fetch(`${url}/api/v1/sign`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
  t.is(res.status, 400);
  t.is(((await res.json()) as { code: string }).code, 'json_too_deep');
});

test('an invalid X-Actor is refused before anything is written', async (t) => {
  const service = await aRunningService(t);
  const before = await eventCount(service.dataDir);
  for (const actor of ['', 'x'.repeat(300), 'system:submission-worker']) {
    const res = await postJson(`${service.url}/api/v1/keys`, { name: 'k', provider: 'file', algorithm: 'ecdsa-p256-sha256' }, { 'x-actor': actor });
    t.is(res.status, 400, JSON.stringify(actor).slice(0, 20));
    t.is(res.body['code'], 'invalid_actor');
  }
  t.is(await eventCount(service.dataDir), before);
});

test('a sign-and-submit that also names a verifier is refused before anything is signed', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  const before = await eventCount(service.dataDir);
  const res = await postJson(`${service.url}/api/v1/rekor/entries`, { sign: { keyId: key.keyId, statement: aStatementFor('a', 'a'.repeat(64)) }, verifier: 'not a pem' });
  t.is(res.status, 400);
  t.regex(String(res.body['detail']), /verifier cannot be given with sign/);
  t.is(await eventCount(service.dataDir), before);
});

test('a bundle with an integration time beyond any date is a 400', async (t) => {
  const service = await aRunningService(t);
  const key = await aKey(service.url);
  const logged = await postJson(`${service.url}/api/v1/rekor/entries`, { sign: { keyId: key.keyId, statement: aStatementFor('b', 'b'.repeat(64)) } });
  const bundle = JSON.parse(JSON.stringify(logged.body['bundle'])) as { verificationMaterial: { tlogEntries: { integratedTime: string }[] } };
  bundle.verificationMaterial.tlogEntries[0]!.integratedTime = '99999999999999';
  const res = await postJson(`${service.url}/api/v1/verify`, { bundle });
  t.is(res.status, 400);
  t.is(res.body['code'], 'invalid_bundle');
});

test('GET /api/v1/keys refuses a limit that is not 1 to 1000', async (t) => {
  const { url } = await aRunningService(t);
  for (const q of ['limit=abc', 'limit=0', 'limit=5000', 'limit=1&limit=2']) {
    t.is((await fetch(`${url}/api/v1/keys?${q}`)).status, 400, q);
  }
  t.is((await fetch(`${url}/api/v1/keys?limit=10`)).status, 200);
});

test('a request Node itself cannot parse still gets a problem document', async (t) => {
  const { url } = await aRunningService(t);
  const { port } = new URL(url);
  const answer = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
  t.regex(answer, /^HTTP\/1\.1 400/);
  t.regex(answer, /application\/problem\+json/);
});

test('a refused key creation leaves no key file behind', async (t) => {
  const service = await aRunningService(t);
  const { readdirSync, existsSync } = await import('node:fs');
  const keysDir = join(service.dataDir, 'keys');
  const files = (): number => (existsSync(keysDir) ? readdirSync(keysDir, { recursive: true }).length : 0);
  const before = files();
  for (const name of ['a'.repeat(300), 'bad\u0000name', '']) {
    const res = await postJson(`${service.url}/api/v1/keys`, { name, provider: 'file', algorithm: 'ecdsa-p256-sha256' });
    t.is(res.status, 400);
  }
  t.is(files(), before);
});

test('a request naming a non-loopback Host (a browser led by DNS rebinding) is refused before any route', async (t) => {
  const { url } = await aRunningService(t);
  const { port } = new URL(url);
  const ask = (host: string): Promise<{ status: number; type: string; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/v1/keys', method: 'GET', headers: { host } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });

  const refused = await ask('attacker.example:8080');
  t.is(refused.status, 403);
  t.regex(refused.type, /application\/problem\+json/);
  t.is((JSON.parse(refused.body) as { code: string }).code, 'host_not_allowed');
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) t.is((await ask(host)).status, 200, host);
});

test('an envelope a transparency log would refuse (a keyid over 512 characters) is a 400 at submission, not a 202 later abandoned', async (t) => {
  const service = await aRunningService(t);
  const signer = anEcdsaSigner();
  const envelope = signEnvelope(signer, aStatement());
  envelope.signatures[0]!.keyid = 'A'.repeat(513);
  const before = await eventCount(service.dataDir);
  const res = await postJson(`${service.url}/api/v1/rekor/entries?wait=0`, { envelope, verifier: signer.publicKeyPem });
  t.is(res.status, 400);
  t.is(res.body['code'], 'invalid_envelope');
  t.regex(String(res.body['detail']), /keyid is longer than 512 characters/);
  t.is(await eventCount(service.dataDir), before);
});

test('a private key given as the verifier is refused by verify as by submission', async (t) => {
  const service = await aRunningService(t);
  const signer = anEcdsaSigner();
  const envelope = signEnvelope(signer, aStatement());
  const privatePem = signer.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  for (const path of ['/api/v1/verify', '/api/v1/rekor/entries?wait=0']) {
    const res = await postJson(`${service.url}${path}`, { envelope, verifier: privatePem });
    t.is(res.status, 400, path);
    t.is(res.body['code'], 'invalid_verifier', path);
  }
});

test('the local transparency log answers a request Node cannot parse with a problem document too', async (t) => {
  const log = await startTlogServer({ dir: tempDir(t), name: 'bad-input.log.test', host: '127.0.0.1', port: 0, logger: winston.createLogger({ silent: true }) });
  t.teardown(() => log.close());
  const { port } = new URL(log.url);
  const answer = await rawRequest(port, 'GET /api/v1/log/entries?logIndex= 1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  t.regex(answer, /^HTTP\/1\.1 400/);
  t.regex(answer, /application\/problem\+json/);
  t.regex(answer, /"code":"malformed_request"/);
});

test('an unknown submission id is a 404, and a malformed one a 400, on reads and on requeue', async (t) => {
  const service = await aRunningService(t);
  const unknown = await fetch(`${service.url}/api/v1/submissions/${'ab'.repeat(32)}`);
  t.is(unknown.status, 404);
  t.is(((await unknown.json()) as { code: string }).code, 'submission_not_found');
  for (const id of ['a%20b', 'ab'.repeat(32).toUpperCase(), 'x'.repeat(5000)]) {
    const res = await postJson(`${service.url}/api/v1/submissions/${id}/requeue`, { log: 'local', reason: 'test' });
    t.is(res.status, 400, id.slice(0, 10));
    t.is(res.body['code'], 'invalid_parameter');
  }
  const missing = await postJson(`${service.url}/api/v1/submissions/${'ab'.repeat(32)}/requeue`, { log: 'local', reason: 'test' });
  t.is(missing.status, 404);
});

/** Sends `text` as it is (no HTTP client would send it) and returns everything the server answers. */
function rawRequest(port: string, text: string): Promise<string> {
  return new Promise<string>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('close', () => resolve(data));
  });
}
