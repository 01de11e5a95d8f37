import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import winston from 'winston';
import { loadConfig } from '../../src/config/config';
import { startService } from '../../src/server';
import { startTlogServer } from '../../src/tlog/tlog-server';
import { printTable, type Figure } from './table';

const run = promisify(execFile);
const COUNT = Number(process.env['BENCH_PIPELINE_ENVELOPES'] ?? 3000);
const CONCURRENCY = 64;

/** Runs one job of the load generator in its own process. */
async function client<T>(job: unknown): Promise<T> {
  const { stdout } = await run(process.execPath, [join(__dirname, 'pipeline-client.js'), JSON.stringify(job)], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}

async function loggedCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /attestor_submission_total\{log="local",result="logged"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * `npm run bench -- pipeline`: envelopes per second end to end through one
 * service process (sign → EnvelopeSigned → SubmissionRequested → the worker
 * submits to the local log → EntryLogged → entry cache), against the same
 * signing and logging done raw (node:crypto + the log's HTTP API) in the same
 * run; then GET /api/v1/entries/{uuid} latency under a fixed-rate load from a
 * second process.
 */
export async function benchPipeline(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attestor-bench-pipeline-'));
  const logger = winston.createLogger({ silent: true });
  const figures: Figure[] = [];
  try {
    // Baseline: the same signing and logging without the ledger, against a log of the same kind.
    const rawLog = await startTlogServer({ dir: join(dir, 'raw-log'), name: 'bench.raw.local', host: '127.0.0.1', port: 0, logger });
    const raw = await client<{ ok: number; seconds: number }>({ kind: 'raw', logUrl: rawLog.url, count: COUNT, concurrency: CONCURRENCY, tag: 'raw' });
    await rawLog.close();

    const service = await startService(
      loadConfig({ ATTESTOR_DATA_DIR: join(dir, 'data'), ATTESTOR_PORT: '0', ATTESTOR_SUBMIT_WAIT_MS: '0', ATTESTOR_LOG_LEVEL: 'error' }),
      logger,
    );
    try {
      const key = (await (
        await fetch(`${service.url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', provider: 'file', algorithm: 'ecdsa-p256-sha256' }) })
      ).json()) as { keyId: string };
      // Warm-up, so the JIT and the SQLite page cache are not part of the figure.
      await client({ kind: 'submit', url: service.url, keyId: key.keyId, count: 200, concurrency: CONCURRENCY, tag: 'warm' });
      while ((await loggedCount(service.url)) < 200) await new Promise((r) => setTimeout(r, 20));

      const start = process.hrtime.bigint();
      const submitted = await client<{ ok: number; failed: number; ids: string[] }>({ kind: 'submit', url: service.url, keyId: key.keyId, count: COUNT, concurrency: CONCURRENCY, tag: 'run' });
      if (submitted.failed > 0) throw new Error(`${submitted.failed} submissions failed`);
      while ((await loggedCount(service.url)) < 200 + COUNT) await new Promise((r) => setTimeout(r, 10));
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      figures.push({
        name: `sign → append → log → entry cache, ${COUNT} envelopes, 1 worker`,
        value: COUNT / seconds,
        unit: 'envelopes/s',
        baseline: { name: 'raw sign + log POST', value: raw.ok / raw.seconds },
        target: '≥ 1,000 envelopes/s',
      });

      // Latency of the entry cache under load from a second process.
      const found: string[] = [];
      for (const id of submitted.ids) {
        const entries = (await (await fetch(`${service.url}/api/v1/entries?envelopeDigest=${id}`)).json()) as { entries: { uuid: string }[] };
        found.push(...entries.entries.map((e) => e.uuid));
      }
      const latency = await client<{ ok: number; failed: number; achieved: number; p50: number; p99: number; max: number }>({
        kind: 'get',
        urls: found.map((u) => `${service.url}/api/v1/entries/${u}`),
        ratePerSecond: 2000,
        seconds: 5,
      });
      figures.push({ name: `GET /api/v1/entries/{uuid} p50 at ${Math.round(latency.achieved)} req/s`, value: latency.p50, unit: 'ms' });
      figures.push({ name: `GET /api/v1/entries/{uuid} p99 at ${Math.round(latency.achieved)} req/s`, value: latency.p99, unit: 'ms', target: 'p99 ≤ 5 ms at 2,000 req/s' });
    } finally {
      await service.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable('pipeline', figures);
}
