import test from 'ava';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import { allProjections } from '../../projections';
import { aRunningService } from '../support/service';
import { tempDir } from '../support/temp-dir';

const run = promisify(execFile);
const MAIN = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

/** `attestor …` as its own process, with no attestor configuration in its environment. */
async function attestor(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [MAIN, ...args], { env: { PATH: process.env['PATH'] ?? '' }, timeout: 60_000 });
  return stdout;
}

function digestsOf(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t'))
      .map(([name, digest]) => [name ?? '', digest ?? '']),
  );
}

function liveDigests(file: string): Record<string, string> {
  const readModels = SqliteReadModelStore.open(file);
  try {
    return Object.fromEntries(allProjections.map((p) => [p.name, readModels.digest(p.name)]));
  } finally {
    readModels.close();
  }
}

test('with the service stopped, `projections rebuild --from <store file>` gives the digests the live service had at the same position', async (t) => {
  const service = await aRunningService(t);
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-actor': 'auditor-test' }, body: JSON.stringify(body) });
    t.true(res.ok, `${path}: ${res.status} ${await res.text()}`);
  };
  for (const keyId of ['release', 'ci']) await post('/api/v1/keys', { keyId, name: keyId, provider: 'file' });
  for (let i = 0; i < 5; i++) {
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: `a${i}`, digest: { sha256: String(i).repeat(64) } }], predicateType: 'https://example.com/p', predicate: {} };
    await post('/api/v1/sign', { keyIds: i % 2 === 0 ? ['release'] : ['release', 'ci'], statement });
  }
  await post('/api/v1/keys/release/rotate', {});
  await post('/api/v1/keys/ci/revoke', { version: 'all', reason: 'test over' });

  // Wait until the live runners have folded the head, then stop the service.
  const storeFile = join(service.dataDir, 'events.sqlite');
  const liveFile = join(service.dataDir, 'read-models.sqlite');
  const probe = SqliteEventStore.open(storeFile);
  const head = (await probe.headPosition()).commit;
  await probe.close();
  const watcher = SqliteReadModelStore.open(liveFile);
  for (let i = 0; i < 200 && !allProjections.every((p) => watcher.checkpoint(p.name)?.position.commit === head); i++) await new Promise((r) => setTimeout(r, 25));
  t.true(allProjections.every((p) => watcher.checkpoint(p.name)?.position.commit === head), 'the live projections reached the head');
  watcher.close();
  await service.close();
  const live = liveDigests(liveFile);

  // Offline, into a scratch file: nothing but the store file is needed.
  const scratch = join(tempDir(t), 'rebuilt.sqlite');
  const rebuilt = digestsOf(await attestor('projections', 'rebuild', '--from', storeFile, '--out', scratch, '--no-progress'));
  t.deepEqual(rebuilt, live);
  t.deepEqual(liveDigests(scratch), live);

  // In place, over the stopped service's own data directory.
  const inPlace = digestsOf(await attestor('projections', 'rebuild', '--data-dir', service.dataDir, '--no-progress'));
  t.deepEqual(inPlace, live);
  t.deepEqual(liveDigests(liveFile), live);
});
