import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import { registerAuditCommand } from '../../src/cli/commands/audit.command';
import { registerReplayCommand } from '../../src/cli/commands/replay.command';
import { rebuildProjections } from '../../src/projections-runtime/rebuild';
import { allProjections } from '../../projections';
import { seedLedger, SUBJECT_A } from '../audit/helpers';
import { tempDir } from '../support/temp-dir';
import { runCli } from './cli';

/** A data directory holding a seeded store (13 events) and no read models. */
async function aDataDir(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = tempDir(t);
  const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  await seedLedger(store);
  await store.close();
  return dir;
}

const cli = (args: string[]) => runCli([registerAuditCommand, registerReplayCommand], args);

test.serial('attestor replay --as-of <time> prints where that time falls and each read model\'s digest', async (t) => {
  const dir = await aDataDir(t);
  const { stdout } = await cli(['replay', '--as-of', '2025-03-03T14:01:30Z', '--data-dir', dir]);
  const [first, ...lines] = stdout.trim().split('\n');
  t.is(first, 'as of 2025-03-03T14:01:30Z: position 8 (head 13)');
  t.deepEqual(lines.map((l) => l.split('\t')[0]), allProjections.map((p) => p.name));
  for (const l of lines) t.regex(l, /^\S+\tv\d+\t[0-9a-f]{64}\t8 events$/);
  t.false(existsSync(join(dir, 'read-models.sqlite')), 'no live read model was created');

  const json = JSON.parse((await cli(['replay', '--as-of', '8', '--json', '--data-dir', dir])).stdout) as { position: string; readModels: { digest: string }[] };
  t.is(json.position, '8');
  t.deepEqual(json.readModels.map((m) => m.digest), lines.map((l) => l.split('\t')[2]));
});

test.serial('attestor replay --print shows one read model\'s documents as they stood', async (t) => {
  const dir = await aDataDir(t);
  const { stdout, stderr } = await cli(['replay', '--as-of', '2025-03-03T14:01:30Z', '--print', 'key-registry', '--data-dir', dir]);
  t.regex(stderr, /position 8/);
  const docs = stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; doc: { status: string; activeVersion: number } });
  t.deepEqual(docs.map((d) => [d.key, d.doc.status, d.doc.activeVersion]), [['ci-key', 'active', 1], ['release-key', 'active', 2]]);
});

test.serial('attestor replay --out keeps the replayed read models, but never in the live file', async (t) => {
  const dir = await aDataDir(t);
  const out = join(tempDir(t), 'march-3.sqlite');
  await cli(['replay', '--as-of', '9', '--out', out, '--data-dir', dir]);
  const kept = SqliteReadModelStore.open(out);
  t.teardown(() => kept.close());
  t.is(kept.checkpoint('key-registry')?.position.commit, 9n);
  await t.throwsAsync(cli(['replay', '--as-of', '9', '--out', join(dir, 'read-models.sqlite'), '--data-dir', dir]), { message: /is the live read-model file/ });
});

test.serial('attestor replay --diff A B lists what changed per read model', async (t) => {
  const dir = await aDataDir(t);
  const { stdout, stderr } = await cli(['replay', '--diff', '2025-03-03T14:01:30Z', '2025-03-03T14:02:00Z', '--projection', 'key-registry', '--data-dir', dir]);
  t.is(stdout, 'key-registry\tchanged\tci-key\n');
  t.regex(stderr, /A as of 2025-03-03T14:01:30Z: position 8/);
  t.regex(stderr, /key-registry: 0 added, 1 changed, 0 removed/);
  const json = (await cli(['replay', '--diff', '8', '9', '--json', '--data-dir', dir])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { projection: string; change: string; key: string });
  const mine = json.filter((c) => c.projection === 'audit-trail' || c.projection === 'key-registry'); // other read models may change too
  t.deepEqual(mine.map((c) => `${c.projection} ${c.change} ${c.key}`), ['audit-trail added 00000000000000000009', 'audit-trail added key:ci-key:00000000000000000009', 'key-registry changed ci-key']);
});

test.serial('attestor replay refuses ambiguous or impossible requests', async (t) => {
  const dir = await aDataDir(t);
  await t.throwsAsync(cli(['replay', '--data-dir', dir]), { message: /give either --as-of <point> or --diff <A> <B>/ });
  await t.throwsAsync(cli(['replay', '--as-of', '1', '--diff', '1', '2', '--data-dir', dir]), { message: /give either/ });
  await t.throwsAsync(cli(['replay', '--diff', '1', '--data-dir', dir]), { message: /exactly two points, got 1/ });
  await t.throwsAsync(cli(['replay', '--as-of', 'noon', '--data-dir', dir]), { message: /--as-of must be an RFC 3339 date-time/ });
  await t.throwsAsync(cli(['replay', '--as-of', '1', '--print', 'nope', '--data-dir', dir]), { message: /no projection named nope/ });
});

test.serial('attestor audit folds from the store when there is no read model, and reads the read model when it is current: same records', async (t) => {
  const dir = await aDataDir(t);
  const args = ['audit', '--subject', SUBJECT_A, '--json', '--data-dir', dir];
  const folded = JSON.parse((await cli(args)).stdout) as { items: { position: string }[]; source: string; cursor: string | null };
  t.is(folded.source, 'folded');
  t.deepEqual(folded.items.map((r) => r.position), ['5', '10', '12']);
  t.false(existsSync(join(dir, 'read-models.sqlite')), 'the live read model is not written');

  const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  const live = SqliteReadModelStore.open(join(dir, 'read-models.sqlite'));
  await rebuildProjections(store, live, allProjections);
  live.close();
  await store.close();
  const fromReadModel = JSON.parse((await cli(args)).stdout) as typeof folded;
  t.is(fromReadModel.source, 'read-model');
  t.deepEqual(fromReadModel.items, folded.items);
  const fromStoreFile = JSON.parse((await cli(['audit', '--subject', SUBJECT_A, '--json', '--store', join(dir, 'events.sqlite')])).stdout) as typeof folded;
  t.is(fromStoreFile.source, 'folded', '--store always folds');
  t.deepEqual(fromStoreFile.items, folded.items);
});

test.serial('attestor audit prints one line per record and pages with --cursor', async (t) => {
  const dir = await aDataDir(t);
  const first = await cli(['audit', '--key', 'ci-key', '--limit', '2', '--data-dir', dir]);
  const lines = first.stdout.trim().split('\n');
  t.is(lines.length, 2);
  t.is(lines[0], ['3', '2025-03-03T13:58:30.000Z', 'acme', 'user:bob', 'KeyCreated', 'created', 'key=ci-key', 'fixture-2'].join('\t'));
  const cursor = /more: --cursor (\S+)/.exec(first.stderr)?.[1];
  if (cursor === undefined) return t.fail('no cursor printed');
  const second = await cli(['audit', '--key', 'ci-key', '--cursor', cursor, '--data-dir', dir]);
  t.deepEqual(second.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['6', '9']);
  t.is(second.stderr, '');
  await t.throwsAsync(cli(['audit', '--from', 'yesterday', '--data-dir', dir]), { message: /from must be an RFC 3339 date-time/ });
});
