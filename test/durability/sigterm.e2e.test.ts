import test from 'ava';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { startCli } from '../support/cli-process';
import { eventCount } from '../support/service';
import { tempDir } from '../support/temp-dir';

test('SIGTERM with requests in flight: every request is answered, and what was written is exactly what was answered', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const { url, child } = await startCli(
    t,
    ['serve'],
    { ...process.env, ATTESTOR_DATA_DIR: dataDir, ATTESTOR_PORT: '0', ATTESTOR_LOG_LEVEL: 'error', ATTESTOR_LEDGER_CHECKPOINT_SECONDS: '0' },
    /serving on (http:\/\/\S+)/,
  );
  const before = await eventCount(dataDir);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  // Key creations in flight (each generates a key and appends one event) when the signal lands.
  const requests = Array.from({ length: 40 }, (_, i) =>
    fetch(`${url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyId: `k-${i}`, name: `k${i}`, provider: 'file' }) }).then(
      (r) => r.status,
      () => 'reset',
    ),
  );
  await new Promise((r) => setTimeout(r, 15));
  child.kill('SIGTERM');
  const answers = await Promise.all(requests);
  t.is(await exited, 0);

  const created = answers.filter((a) => a === 201).length;
  // A request that arrived after the signal may be refused at the door ('reset'), never half done.
  t.true(answers.every((a) => a === 201 || a === 'reset'), JSON.stringify(answers));
  t.true(created > 0, 'some requests were in flight');
  t.true((await eventCount(dataDir)) > before);
  const store = SqliteEventStore.open(join(dataDir, 'events.sqlite'));
  t.teardown(() => store.close());
  const written = new Set((await store.readAll({ filter: { streamPrefixes: ['key-k-'] } })).map((e) => e.stream));
  const answered = new Set(answers.flatMap((a, i) => (a === 201 ? [`key-k-${i}`] : [])));
  t.deepEqual([...written].sort(), [...answered].sort(), 'a key exists exactly for each creation answered 201');
});
