import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import { auditTrailProjection } from '../../projections/audit-trail/audit-trail.projection';
import type { Projection } from '../../projections/projection';
import { ProjectionRunner } from '../../src/projections-runtime/projection-runner';
import { rebuildProjection } from '../../src/projections-runtime/rebuild';
import { tempDir } from '../support/temp-dir';

const audit = auditTrailProjection as Projection;

test('every acknowledged event survives kill -9, chains verify, and a projection catches up to a clean rebuild', async (t) => {
  const dir = tempDir(t);
  const storeFile = join(dir, 'events.sqlite');
  const ackFile = join(dir, 'acked.txt');

  // A projection is mid-way through the ledger when the crash happens, too.
  const child = spawn(process.execPath, [resolve('dist/test/durability/crash-writer.js'), storeFile, ackFile, join(dir, 'live.sqlite')], { stdio: 'inherit' });
  await waitUntil(() => existsSync(ackFile) && readFileSync(ackFile, 'utf8').split('\n').length > 2000, 30_000);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  const acked = readFileSync(ackFile, 'utf8').split('\n').filter(Boolean);
  const store = SqliteEventStore.open(storeFile);
  const live = SqliteReadModelStore.open(join(dir, 'live.sqlite'));
  const clean = SqliteReadModelStore.open(join(dir, 'clean.sqlite'));
  t.teardown(async () => {
    live.close();
    clean.close();
    await store.close();
  });

  const stored = new Set((await store.readAll()).map((e) => e.id as string));
  const lost = acked.filter((id) => !stored.has(id));
  t.is(lost.length, 0, `${lost.length} acknowledged events lost`);
  t.log(`${acked.length} acknowledged, ${stored.size} stored (the rest were in flight)`);

  for (const stream of store.listStreams()) {
    const verdict = await store.verifyChain(stream);
    t.true(verdict.ok, `${stream}: ${JSON.stringify(verdict.firstBreak, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
  }

  t.log(`projection checkpoint at the crash: ${live.checkpoint(audit.name)?.position.commit ?? 0n} of ${(await store.headPosition()).commit}`);
  const runner = new ProjectionRunner(store, live, audit);
  runner.start();
  t.true(await runner.waitFor(await store.headPosition(), 30_000));
  await runner.stop();
  const rebuilt = await rebuildProjection(store, clean, audit);
  t.is(live.digest(audit.name), rebuilt.digest);
});

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the writer');
    await new Promise((r) => setTimeout(r, 50));
  }
}
