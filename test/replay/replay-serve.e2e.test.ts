import test from 'ava';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { allProjections } from '../../projections';
import { seedLedger } from '../audit/helpers';
import { startCli } from '../support/cli-process';
import { tempDir } from '../support/temp-dir';

test('attestor replay --as-of P --serve answers for the read models as they stood at P, read-only, until stopped', async (t) => {
  const dir = tempDir(t);
  const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  await seedLedger(store);
  await store.close();

  const { url, child } = await startCli(
    t,
    ['replay', '--as-of', '2025-03-03T14:01:30Z', '--serve', '--port', '0', '--data-dir', dir],
    { PATH: process.env['PATH'] ?? '' },
    /served read-only on (http:\/\/\S+)/,
    'pipe',
  );
  const get = async (path: string): Promise<{ status: number; type: string; body: Record<string, unknown> }> => {
    const res = await fetch(`${url}${path}`);
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
  };

  const replay = await get('/api/v1/replay');
  t.is(replay.body['position'], '8');
  t.is(replay.body['head'], '13');
  t.deepEqual((replay.body['readModels'] as { projection: string }[]).map((m) => m.projection), allProjections.map((p) => p.name));

  const keys = await get('/api/v1/replay/read-models/key-registry?limit=1');
  const docs = keys.body['documents'] as { key: string; doc: { status: string; activeVersion: number } }[];
  t.deepEqual(docs.map((d) => [d.key, d.doc.activeVersion]), [['ci-key', 1]]);
  t.is(keys.body['next'], 'ci-key');
  const rest = await get('/api/v1/replay/read-models/key-registry?after=ci-key');
  t.deepEqual((rest.body['documents'] as { key: string; doc: { activeVersion: number } }[]).map((d) => [d.key, d.doc.activeVersion]), [['release-key', 2]], 'release-key had not rotated to v3 yet');

  const one = await get('/api/v1/replay/read-models/key-registry/documents/release-key');
  t.is((one.body['doc'] as { activeVersion: number }).activeVersion, 2);

  const missing = await get('/api/v1/replay/read-models/nothing');
  t.is(missing.status, 404);
  t.regex(missing.type, /application\/problem\+json/);
  const bad = await get('/api/v1/replay/read-models/key-registry?limit=0');
  t.is(bad.status, 400);
  t.regex(String(bad.body['detail']), /limit must be a whole number/);
  const write = await fetch(`${url}/api/v1/replay`, { method: 'POST' });
  t.is(write.status, 404, 'nothing can be written');

  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.is(code, 0);
});
