import test from 'ava';
import express from 'express';
import { listen } from '../../src/http/listen';

test('closing a server lets the requests in flight finish, then closes promptly (idle keep-alive connections too)', async (t) => {
  const app = express();
  app.get('/slow', (_req, res) => setTimeout(() => res.json({ done: true }), 300));
  app.get('/fast', (_req, res) => res.json({ ok: true }));
  const server = await listen(app, '127.0.0.1', 0);
  await (await fetch(`${server.url}/fast`)).json(); // leaves an idle keep-alive connection behind
  const slow = fetch(`${server.url}/slow`).then(async (r) => ({ status: r.status, body: await r.json() }));
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  await server.close();
  t.deepEqual(await slow, { status: 200, body: { done: true } }, 'the request in flight was answered, not reset');
  t.true(Date.now() - started < 2_000, 'and the server did not wait for keep-alive timeouts');
  await t.throwsAsync(fetch(`${server.url}/fast`), undefined, 'no new request is accepted');
});
