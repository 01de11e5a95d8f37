import test, { type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import { startTlogServer, type RunningTlog } from '../../src/tlog/tlog-server';
import { aKey, aStatementFor, getJson, postJson, type CreatedKey } from '../support/api';
import { startFaultProxy, type FaultMode, type FaultProxy } from '../support/fault-proxy';
import { aRunningService } from '../support/service';
import { tempDir } from '../support/temp-dir';

const hex = (s: string): string => createHash('sha256').update(s).digest('hex');

interface Rig {
  readonly log: RunningTlog;
  readonly proxy: FaultProxy;
  readonly service: { url: string };
  readonly key: CreatedKey;
}

/** A real local log behind a fault proxy, and the service submitting to it with fast retries. */
async function aRig(t: ExecutionContext): Promise<Rig> {
  const dir = tempDir(t);
  const log = await startTlogServer({ dir: join(dir, 'log'), name: 'chaos.log.test', host: '127.0.0.1', port: 0, logger: winston.createLogger({ silent: true }) });
  t.teardown(() => log.close());
  const proxy = await startFaultProxy(t, log.url);
  const trust = join(dir, 'trusted_root.json');
  writeFileSync(trust, JSON.stringify(log.logs.trustedRoot()));
  const service = await aRunningService(t, {
    ATTESTOR_TLOGS: JSON.stringify([{ name: 'primary', api: 'v1', url: proxy.url, trustedRoot: trust, timeoutMs: 400, breakerResetMs: 300 }]),
    ATTESTOR_SUBMIT_WAIT_MS: '0',
    ATTESTOR_RETRY_BASE_MS: '50',
    ATTESTOR_RETRY_MAX_MS: '250',
    ATTESTOR_RETRY_MAX_ATTEMPTS: '1000',
  });
  return { log, proxy, service, key: await aKey(service.url) };
}

async function submit(rig: Rig, name: string): Promise<string> {
  const res = await postJson(`${rig.service.url}/api/v1/rekor/entries`, { sign: { keyId: rig.key.keyId, statement: aStatementFor(name, hex(name)) } });
  if (res.status !== 202 && res.status !== 201) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
  return String(res.body['submissionId']);
}

async function allLogged(rig: Rig, ids: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const id of ids) {
    for (;;) {
      const s = await getJson(`${rig.service.url}/api/v1/submissions/${id}`);
      if (s.body['status'] === 'logged') break;
      if (Date.now() > deadline) throw new Error(`submission ${id} still ${String(s.body['status'])}: ${JSON.stringify(s.body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const treeSize = async (log: RunningTlog): Promise<number> => Number((await getJson(`${log.url}/api/v1/log`)).body['treeSize']);

const outages: [string, FaultMode][] = [
  ['refuses connections', { kind: 'refuse' }],
  ['answers 500', { kind: 'status', status: 500 }],
  ['answers 503', { kind: 'status', status: 503 }],
  ['hangs', { kind: 'hang' }],
];

for (const [what, fault] of outages) {
  test(`while the log ${what}, submissions are accepted as pending and all are logged once it recovers, none twice`, async (t) => {
    const rig = await aRig(t);
    const ids = [await submit(rig, `${what}-before`)];
    await rig.proxy.set(fault);
    for (let i = 0; i < 12; i++) ids.push(await submit(rig, `${what}-${i}`));
    await new Promise((r) => setTimeout(r, 1200));
    const pending = await getJson(`${rig.service.url}/api/v1/submissions/${ids.at(-1)!}`);
    t.is(pending.body['status'], 'pending', 'nothing is dropped while the log is down');
    await rig.proxy.set({ kind: 'pass' });
    await allLogged(rig, ids);
    t.is(await treeSize(rig.log), ids.length, 'each envelope is in the log exactly once');
    const metrics = await (await fetch(`${rig.service.url}/metrics`)).text();
    t.regex(metrics, /attestor_rekor_retry_total\{log="primary"\} [1-9]/, 'the retries show in the metrics');
    t.regex(metrics, new RegExp(`attestor_submission_total\\{log="primary",result="logged"\\} ${ids.length}`));
  });
}

test('a proof that does not verify is not recorded as logged, the failure is visible, and the entry is recorded once the log answers honestly', async (t) => {
  const rig = await aRig(t);
  await rig.proxy.set({
    kind: 'rewrite',
    rewrite: (body, req) => {
      if (req.method !== 'POST' && !req.path.includes('/entries/')) return body;
      const json = JSON.parse(body.toString('utf8')) as Record<string, { verification?: { inclusionProof?: { rootHash: string } } }>;
      for (const entry of Object.values(json)) {
        const p = entry.verification?.inclusionProof;
        if (p) p.rootHash = `${p.rootHash[0] === '0' ? '1' : '0'}${p.rootHash.slice(1)}`;
      }
      return Buffer.from(JSON.stringify(json));
    },
  });
  const id = await submit(rig, 'forged-proof');
  let view: Record<string, unknown> = {};
  for (let i = 0; i < 100; i++) {
    view = (await getJson(`${rig.service.url}/api/v1/submissions/${id}`)).body;
    const attempts = (view['logs'] as Record<string, { attempts: { error: string }[] }> | undefined)?.['primary']?.attempts ?? [];
    if (attempts.length > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.is(view['status'], 'pending');
  const attempts = (view['logs'] as Record<string, { attempts: { error: string }[]; uuid: string | null }>)['primary']!;
  t.regex(attempts.attempts[0]!.error, /does not verify/);
  t.is(attempts.uuid, null);
  await rig.proxy.set({ kind: 'pass' });
  await allLogged(rig, [id]);
  t.is(await treeSize(rig.log), 1);
});
