import test from 'ava';
import winston from 'winston';
import { loadConfig } from '../../src/config/config';
import { startService } from '../../src/server';
import { aRunningService } from '../support/service';

test('/healthz answers while the process is up', async (t) => {
  const { url } = await aRunningService(t);
  const res = await fetch(`${url}/healthz`);
  t.is(res.status, 200);
  t.deepEqual(await res.json(), { status: 'ok' });
});

test('/readyz reports the event store and every projection', async (t) => {
  const { url } = await aRunningService(t);
  const res = await fetch(`${url}/readyz`);
  t.is(res.status, 200);
  const body = (await res.json()) as { status: string; checks: { name: string; ok: boolean }[] };
  t.is(body.status, 'ready');
  t.true(body.checks.some((c) => c.name === 'event-store' && c.ok));
  t.true(body.checks.some((c) => c.name === 'projection:audit-trail' && c.ok));
});

test('/metrics serves Prometheus text with the service metrics', async (t) => {
  const { url } = await aRunningService(t);
  await fetch(`${url}/healthz`);
  const res = await fetch(`${url}/metrics`);
  t.is(res.status, 200);
  const text = await res.text();
  t.regex(text, /attestor_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
  t.regex(text, /attestor_event_store_append_seconds/);
});

test('an unknown route is a 404 problem document naming the route', async (t) => {
  const { url } = await aRunningService(t);
  const res = await fetch(`${url}/api/v1/nothing-here`);
  t.is(res.status, 404);
  t.regex(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  t.is(body['code'], 'route_not_found');
  t.regex(String(body['detail']), /GET \/api\/v1\/nothing-here/);
  t.is(body['instance'], res.headers.get('x-request-id'));
});

test('malformed JSON is a 400 problem, not a 500', async (t) => {
  const { url } = await aRunningService(t);
  const res = await fetch(`${url}/api/v1/anything`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
  t.is(res.status, 400);
  const body = (await res.json()) as Record<string, unknown>;
  t.is(body['code'], 'malformed_json');
  t.regex(String(body['detail']), /not valid JSON/);
  t.false(JSON.stringify(body).includes('at '), 'no stack trace');

  // Valid JSON that is not an object or array says so, instead of calling it broken.
  for (const bare of ['null', '"text"', '42']) {
    const answer = await fetch(`${url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bare });
    t.is(answer.status, 400);
    t.regex(String(((await answer.json()) as Record<string, unknown>)['detail']), /must be a JSON object, not a bare value/, bare);
  }
});

test('a body over the limit is a 413 problem that states the limit', async (t) => {
  const { url } = await aRunningService(t, { ATTESTOR_BODY_LIMIT: '1kb' });
  const res = await fetch(`${url}/api/v1/anything`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ x: 'y'.repeat(4000) }),
  });
  t.is(res.status, 413);
  const body = (await res.json()) as Record<string, unknown>;
  t.is(body['code'], 'payload_too_large');
  t.regex(String(body['detail']), /1024 bytes/);
});

test('a well-formed client request id is echoed, others are replaced', async (t) => {
  const { url } = await aRunningService(t);
  const mine = await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'req-123' } });
  t.is(mine.headers.get('x-request-id'), 'req-123');
  const bad = await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'no spaces allowed' } });
  t.regex(bad.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
});

test('without authentication the service refuses to bind beyond loopback', async (t) => {
  const config = loadConfig({ ATTESTOR_DATA_DIR: '/nonexistent', ATTESTOR_HOST: '0.0.0.0', ATTESTOR_PORT: '0' });
  const err = await t.throwsAsync(startService(config, winston.createLogger({ silent: true })));
  t.regex(err?.message ?? '', /refusing to listen on 0\.0\.0\.0 without authentication/);
});

test('a bad configuration value is refused with the variable named', (t) => {
  const err = t.throws(() => loadConfig({ ATTESTOR_PORT: 'eighty' }));
  t.regex(err?.message ?? '', /ATTESTOR_PORT/);
  const store = t.throws(() => loadConfig({ ATTESTOR_EVENT_STORE: 'postgres://x' }));
  t.regex(store?.message ?? '', /esdb:\/\//);
});

test('with nothing configured the store is the SQLite file under ./data', (t) => {
  const config = loadConfig({});
  t.is(config.eventStore.kind, 'sqlite');
  t.regex(config.eventStore.kind === 'sqlite' ? config.eventStore.file : '', /data\/events\.sqlite$/);
  t.is(config.http.host, '127.0.0.1');
});
