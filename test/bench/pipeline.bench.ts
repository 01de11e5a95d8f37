import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
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

async function tlogProcess(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'src', 'cli', 'main.js'), 'tlog', 'serve', '--dir', dir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, ATTESTOR_LOG_LEVEL: 'error' },
  });
  const url = await new Promise<string>((ok, fail) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /serving on (http:\/\/\S+)/.exec(line);
      if (m) ok(m[1]!);
    });
    child.once('exit', (code) => fail(new Error(`attestor tlog serve exited with ${code}`)));
  });
  return { url, child };
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

    // The log runs as its own process, as it would in a deployment: `attestor tlog serve`.
    const log = await tlogProcess(join(dir, 'log'));
    const trust = join(dir, 'trusted_root.json');
    writeFileSync(trust, await (await fetch(`${log.url}/api/v1/trustedRoot`)).text());
    const service = await startService(
      loadConfig({
        ATTESTOR_DATA_DIR: join(dir, 'data'),
        ATTESTOR_PORT: '0',
        ATTESTOR_SUBMIT_WAIT_MS: '0',
        ATTESTOR_LOG_LEVEL: 'error',
        ATTESTOR_TLOGS: JSON.stringify([{ name: 'local', api: 'v1', url: log.url, trustedRoot: trust }]),
      }),
      logger,
    );
    const cpuBefore = process.cpuUsage();
    try {
      const key = (await (
        await fetch(`${service.url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', provider: 'file', algorithm: 'ecdsa-p256-sha256' }) })
      ).json()) as { keyId: string };
      // Warm-up, so the JIT and the SQLite page cache are not part of the figure.
      await client({ kind: 'submit', url: service.url, keyId: key.keyId, count: 200, concurrency: CONCURRENCY, tag: 'warm' });
      while ((await loggedCount(service.url)) < 200) await new Promise((r) => setTimeout(r, 20));

      const start = process.hrtime.bigint();
      // For profiles (node --cpu-prof): the run's window on the monotonic clock, in µs.
      if (process.env['BENCH_PRINT_WINDOW']) process.stderr.write(`window start ${start / 1000n}\n`);
      const elu = performance.eventLoopUtilization();
      const submitted = await client<{ ok: number; failed: number; ids: string[] }>({ kind: 'submit', url: service.url, keyId: key.keyId, count: COUNT, concurrency: CONCURRENCY, tag: 'run' });
      if (submitted.failed > 0) throw new Error(`${submitted.failed} submissions failed`);
      // Where the time goes: accepting (sign + append, answered 202) against logging (the worker and the log).
      const acceptedAfter = Number(process.hrtime.bigint() - start) / 1e9;
      process.stderr.write(`pipeline: ${COUNT} accepted in ${acceptedAfter.toFixed(2)} s (${Math.round(COUNT / acceptedAfter)}/s)\n`);
      while ((await loggedCount(service.url)) < 200 + COUNT) await new Promise((r) => setTimeout(r, 10));
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (process.env['BENCH_PRINT_WINDOW']) process.stderr.write(`window end ${process.hrtime.bigint() / 1000n}\n`);
      process.stderr.write(`service event loop utilisation during the run: ${(performance.eventLoopUtilization(elu).utilization * 100).toFixed(0)} %\n`);
      const cpu = process.cpuUsage(cpuBefore);
      process.stderr.write(`service process CPU: ${((cpu.user + cpu.system) / 1000 / (200 + COUNT)).toFixed(2)} ms per envelope (user ${(cpu.user / 1000 / (200 + COUNT)).toFixed(2)}, system ${(cpu.system / 1000 / (200 + COUNT)).toFixed(2)})\n`);
      figures.push({
        name: `sign → append → log → entry cache, ${COUNT} envelopes, 1 service process (log in its own process)`,
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
      const loopDelay = monitorEventLoopDelay({ resolution: 1 });
      loopDelay.enable();
      if (process.env['BENCH_PRINT_WINDOW']) process.stderr.write(`get window start ${process.hrtime.bigint() / 1000n}\n`);
      const latency = await client<{ ok: number; failed: number; achieved: number; p50: number; p99: number; max: number }>({
        kind: 'get',
        urls: found.map((u) => `${service.url}/api/v1/entries/${u}`),
        ratePerSecond: 2000,
        seconds: 5,
      });
      loopDelay.disable();
      if (process.env['BENCH_PRINT_WINDOW']) process.stderr.write(`get window end ${process.hrtime.bigint() / 1000n}\n`);
      process.stderr.write(
        `service event-loop delay during the GET load: p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms\n`,
      );
      // The server's own view (its latency histogram), to tell its time from the load generator's stalls.
      const histogram = await (await fetch(`${service.url}/metrics`)).text();
      const bucket = (le: string): number => Number(new RegExp(`attestor_http_request_seconds_bucket\\{le="${le.replace('+', '\\+')}",method="GET",route="/api/v1/entries/:uuid"\\} (\\d+)`).exec(histogram)?.[1] ?? 0);
      const within5ms = bucket('0.005') / Math.max(1, bucket('+Inf'));
      figures.push({ name: 'GET /api/v1/entries/{uuid} answered within 5 ms, server side', value: within5ms * 100, unit: '%' });
      figures.push({ name: `GET /api/v1/entries/{uuid} p50 at ${Math.round(latency.achieved)} req/s`, value: latency.p50, unit: 'ms' });
      figures.push({ name: `GET /api/v1/entries/{uuid} p99 at ${Math.round(latency.achieved)} req/s`, value: latency.p99, unit: 'ms', target: 'p99 ≤ 5 ms at 2,000 req/s' });
    } finally {
      await service.close();
      log.child.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable('pipeline', figures);
}
