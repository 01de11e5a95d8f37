import test from 'ava';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { startTlogServer } from '../../src/tlog/tlog-server';
import { aKey, aStatementFor, getJson, postJson } from '../support/api';
import { startCli } from '../support/cli-process';
import { startFaultProxy } from '../support/fault-proxy';
import { tempDir } from '../support/temp-dir';

const hex = (s: string): string => createHash('sha256').update(s).digest('hex');
const SERVING = /serving on (http:\/\/\S+)/;
const serveEnv = (env: Record<string, string>): NodeJS.ProcessEnv => ({ ...process.env, ...env, ATTESTOR_PORT: '0', ATTESTOR_LOG_LEVEL: 'error' });


test('a service killed with SIGKILL mid-drain resumes from its events and logs every submission exactly once', async (t) => {
  const dir = tempDir(t);
  const log = await startTlogServer({ dir: join(dir, 'log'), name: 'crash.log.test', host: '127.0.0.1', port: 0, logger: winston.createLogger({ silent: true }) });
  t.teardown(() => log.close());
  const proxy = await startFaultProxy(t, log.url);
  const trust = join(dir, 'trusted_root.json');
  writeFileSync(trust, JSON.stringify(log.logs.trustedRoot()));
  const env = {
    ATTESTOR_DATA_DIR: join(dir, 'data'),
    ATTESTOR_TLOGS: JSON.stringify([{ name: 'primary', api: 'v1', url: proxy.url, trustedRoot: trust, timeoutMs: 2000, breakerResetMs: 300 }]),
    ATTESTOR_SUBMIT_WAIT_MS: '0',
    ATTESTOR_RETRY_BASE_MS: '50',
    ATTESTOR_RETRY_MAX_MS: '250',
    ATTESTOR_RETRY_MAX_ATTEMPTS: '1000',
  };

  // The log is down while the queue fills, then comes back slowly: the kill lands mid-drain.
  await proxy.set({ kind: 'status', status: 503 });
  // `attestor serve` as a separate process, so it can be killed for real.
  const first = await startCli(t, ['serve'], serveEnv(env), SERVING);
  const key = await aKey(first.url);
  const ids: string[] = [];
  // Four rounds of the worker's 64 submissions in flight: the requests of the round under way when
  // the kill lands still reach the log (the proxy holds them 300 ms), but later rounds do not.
  for (let i = 0; i < 256; i++) {
    const res = await postJson(`${first.url}/api/v1/rekor/entries`, { sign: { keyId: key.keyId, statement: aStatementFor(`c${i}`, hex(`c${i}`)) } });
    t.is(res.status, 202);
    ids.push(String(res.body['submissionId']));
  }
  await proxy.set({ kind: 'pass', delayMs: 300 });
  const treeSize = async (): Promise<number> => Number((await getJson(`${log.url}/api/v1/log`)).body['treeSize']);
  while ((await treeSize()) < 10) await new Promise((r) => setTimeout(r, 5));
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const atKill = await treeSize();
  t.log(`killed with ${atKill} of ${ids.length} entries in the log`);
  t.true(atKill < ids.length, 'the kill came before the drain ended');

  await proxy.set({ kind: 'pass' });
  const second = await startCli(t, ['serve'], serveEnv(env), SERVING);
  const deadline = Date.now() + 60_000;
  for (const id of ids) {
    while ((await getJson(`${second.url}/api/v1/submissions/${id}`)).body['status'] !== 'logged') {
      if (Date.now() > deadline) throw new Error(`submission ${id} never logged`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  second.child.kill('SIGTERM');
  await new Promise((r) => second.child.once('exit', r));

  t.is(await treeSize(), ids.length, 'the log holds each envelope once');
  const store = SqliteEventStore.open(join(dir, 'data', 'events.sqlite'));
  t.teardown(() => store.close());
  const logged = await store.readAll({ filter: { eventTypePrefixes: ['EntryLogged'] } });
  t.is(logged.length, ids.length, 'one EntryLogged per submission');
  t.is(new Set(logged.map((e) => (e.data as { submissionId: string }).submissionId)).size, ids.length);
});
