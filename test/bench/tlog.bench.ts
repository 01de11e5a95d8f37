import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import winston from 'winston';
import { openDatabase } from '../../adapters/sqlite/open-database';
import { acceptDsseV001, acceptHashedRekordV002, type AcceptedEntry } from '../../domain/tlog/entry-body';
import { parseDsseV001Request, parseHashedRekordV002Request, type DsseV001Request } from '../../domain/tlog/entry-request';
import { tlogMigrations } from '../../migrations/tlog';
import type { LocalLog } from '../../src/tlog/local-log';
import { openLocalLogs } from '../../src/tlog/local-logs';
import { startTlogServer } from '../../src/tlog/tlog-server';
import { aStatement, anEcdsaSigner, signEnvelope, v1DsseRequest, v2HashedRekordRequest, type TestSigner } from '../support/dsse';
import type { HttpLoad, HttpLoadResult } from './http-client.worker';
import { alternating, BENCH_ROUNDS, BENCH_SECONDS, inFlight, note, timed } from './load';
import { printTable, rate, type Figure } from './table';

const CONCURRENCY = Number(process.env['BENCH_TLOG_CONCURRENCY'] ?? 256);
const HTTP_CONCURRENCY = Number(process.env['BENCH_TLOG_HTTP_CONCURRENCY'] ?? 64);
const V2_ENTRIES = Number(process.env['BENCH_TLOG_V2_ENTRIES'] ?? 1500);

/** Accepted Rekor v1 dsse entries, made on demand between timed runs (making one costs a P-256 sign and verify). */
class DssePool {
  readonly entries: AcceptedEntry[] = [];
  private readonly signer: TestSigner = anEcdsaSigner();

  constructor(private readonly tag: string) {
    // The bench builds the parsed request directly; check once that it is what the parser makes.
    const envelope = signEnvelope(this.signer, aStatement(`${tag}-check`));
    const parsed = parseDsseV001Request(v1DsseRequest(envelope, this.signer));
    if (!parsed.ok) throw new Error(parsed.reason);
    const viaParser = acceptDsseV001(parsed.value);
    const direct = acceptDsseV001(this.request(envelope));
    if (!viaParser.ok || !direct.ok || !viaParser.entry.body.equals(direct.entry.body)) throw new Error('tlog bench: directly built request differs from the parsed one');
  }

  ensure(count: number): void {
    while (this.entries.length < count) {
      const accepted = acceptDsseV001(this.request(signEnvelope(this.signer, aStatement(`${this.tag}-${this.entries.length}`))));
      if (!accepted.ok) throw new Error(accepted.reason);
      this.entries.push(accepted.entry);
    }
  }

  private request(envelope: ReturnType<typeof signEnvelope>): DsseV001Request {
    return {
      envelopeText: JSON.stringify(envelope),
      envelope: {
        payload: Buffer.from(envelope.payload, 'base64'),
        payloadType: envelope.payloadType,
        signatures: envelope.signatures.map((s) => ({ keyid: s.keyid, sig: Buffer.from(s.sig, 'base64') })),
      },
      verifiers: [{ pem: this.signer.publicKeyPem, key: this.signer.publicKey }],
    };
  }
}

/** The leaf rows the store writes, straight through better-sqlite3 (WAL, synchronous=FULL), one transaction per batch. */
class RawLeafWriter {
  private readonly db: Database.Database;
  private readonly insertBatch: (leaves: readonly AcceptedEntry[]) => void;
  private index = 0;

  constructor(file: string) {
    this.db = openDatabase(file, tlogMigrations);
    const insert = this.db.prepare('INSERT INTO leaves (idx, uuid, kind, body, integrated_time) VALUES (?, ?, ?, ?, ?)');
    const now = Math.floor(Date.now() / 1000);
    this.insertBatch = this.db.transaction((leaves: readonly AcceptedEntry[]) => {
      for (const leaf of leaves) {
        const index = this.index++;
        // Same body and kind as a real leaf; the UUID (same length) is made unique per row so bodies can be reused.
        insert.run(index, createHash('sha256').update(String(index)).digest('hex'), leaf.kind, leaf.body, now);
      }
    });
  }

  write(leaves: readonly AcceptedEntry[]): void {
    this.insertBatch(leaves);
  }

  close(): void {
    this.db.close();
  }
}

/** Submits pool entries with `concurrency` in flight; returns entries/s and the mean number of entries per checkpoint. */
async function submitRun(log: LocalLog, pool: DssePool, cursor: { at: number }, seconds: number, concurrency: number, estimate: number): Promise<{ rate: number; batch: number }> {
  pool.ensure(cursor.at + Math.ceil(estimate * seconds * 1.3) + concurrency);
  const available = pool.entries.length - cursor.at;
  const sizes = new Set<number>();
  let created = 0;
  const r = await inFlight(
    seconds,
    concurrency,
    async () => {
      const result = await log.submit(pool.entries[cursor.at++]!);
      if (result.created) created++;
      sizes.add(result.checkpoint.size);
    },
    available,
  );
  if (created === 0) throw new Error('tlog bench: nothing was appended');
  return { rate: r, batch: created / sizes.size };
}

/** A load client in a worker thread, kept for every HTTP run of the area. */
class HttpClient {
  private readonly worker = new Worker(join(__dirname, 'http-client.worker.js'));

  run(load: HttpLoad): Promise<HttpLoadResult> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.worker.once('error', onError);
      this.worker.once('message', (result: HttpLoadResult) => {
        this.worker.off('error', onError);
        if (result.failed > 0) reject(new Error(`tlog bench: ${result.failed} requests to ${load.url} failed, first: ${result.firstFailure ?? '?'}`));
        else resolve(result);
      });
      this.worker.postMessage(load);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The HTTP ceiling of this machine: a bare node:http server that parses the JSON body and answers 201 with a body of the size a log entry has. */
async function bareHttpServer(responseBytes: number): Promise<{ url: string; close(): Promise<void> }> {
  const response = JSON.stringify({ entry: 'x'.repeat(Math.max(0, responseBytes - 12)) });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(response) });
      res.end(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function benchTlog(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attestor-bench-tlog-'));
  const figures: Figure[] = [];
  try {
    // --- in process --------------------------------------------------------------------------
    const logs = openLocalLogs({ dir: join(dir, 'inproc'), name: 'bench.tlog.local' });
    const raw = new RawLeafWriter(join(dir, 'raw.sqlite'));
    const pool = new DssePool('inproc');
    const cursor = { at: 0 };
    let rawAt = 0;
    const rawBatch = (secs: number, size: number): Promise<number> => {
      pool.ensure(Math.max(size, 4096));
      return rate(secs, () => {
        const start = rawAt % (pool.entries.length - size + 1);
        raw.write(pool.entries.slice(start, start + size));
        rawAt += size;
        return size;
      });
    };
    const estimates = { many: 10_000, one: 500 };
    const batches: number[] = [];
    const generation = await timed(() => pool.ensure(2000));
    const inproc = await alternating(BENCH_SECONDS, BENCH_ROUNDS, {
      rawMany: (secs) => rawBatch(secs, CONCURRENCY),
      many: async (secs) => {
        const r = await submitRun(logs.v1, pool, cursor, secs, CONCURRENCY, estimates.many);
        estimates.many = r.rate;
        batches.push(r.batch);
        return r.rate;
      },
      rawOne: (secs) => rawBatch(secs, 1),
      one: async (secs) => {
        const r = await submitRun(logs.v1, pool, cursor, secs, 1, estimates.one);
        estimates.one = r.rate;
        return r.rate;
      },
    });
    const meanBatch = batches.reduce((a, b) => a + b, 0) / batches.length;
    note(`tlog: ${cursor.at} v1 entries appended in process, mean ${meanBatch.toFixed(1)} entries per checkpoint with ${CONCURRENCY} in flight; accepting one entry (sign + verify for the bench) took ${((generation.seconds / 2000) * 1e6).toFixed(0)} µs`);
    figures.push({ name: `raw leaf INSERTs, 1 txn per ${CONCURRENCY} (FULL)`, value: inproc.rawMany, unit: 'entries/s' });
    figures.push({ name: 'raw leaf INSERTs, 1 txn per leaf (FULL)', value: inproc.rawOne, unit: 'entries/s' });
    figures.push({
      name: `local log v1 dsse, ${CONCURRENCY} concurrent submits (≈${meanBatch.toFixed(0)}/batch)`,
      value: inproc.many,
      unit: 'entries/s',
      baseline: { name: `raw INSERTs, 1 txn per ${CONCURRENCY}`, value: inproc.rawMany },
    });
    figures.push({ name: 'local log v1 dsse, 1 submit at a time', value: inproc.one, unit: 'entries/s', baseline: { name: 'raw INSERTs, 1 txn per leaf', value: inproc.rawOne } });

    // What a submission costs before it reaches the sequencer: parsing the request (as express hands it over) and checking its signature.
    const wireSigner = anEcdsaSigner();
    const v1Wire = Array.from({ length: V2_ENTRIES }, (_, i) => v1DsseRequest(signEnvelope(wireSigner, aStatement(`w1-${i}`)), wireSigner));
    const v2Wire = Array.from({ length: V2_ENTRIES }, (_, i) => v2HashedRekordRequest(signEnvelope(wireSigner, aStatement(`w2-${i}`)), wireSigner));
    const v1Accept = await timed(() =>
      v1Wire.map((w) => {
        const parsed = parseDsseV001Request(w);
        const accepted = parsed.ok ? acceptDsseV001(parsed.value) : parsed;
        if (!accepted.ok) throw new Error(accepted.reason);
        return accepted.entry;
      }),
    );
    // Rekor v2 hashedrekord: the same sequencer with an Ed25519 checkpoint.
    const v2Accept = await timed(() =>
      v2Wire.map((w) => {
        const parsed = parseHashedRekordV002Request(w);
        const accepted = parsed.ok ? acceptHashedRekordV002(parsed.value) : parsed;
        if (!accepted.ok) throw new Error(accepted.reason);
        return accepted.entry;
      }),
    );
    let v2At = 0;
    const v2Run = await timed(() =>
      inFlight(60, CONCURRENCY, () => logs.v2.submit(v2Accept.value[v2At++]!), V2_ENTRIES),
    );
    figures.push({ name: 'parse + acceptDsseV001 (PEM key, P-256 verify)', value: V2_ENTRIES / v1Accept.seconds, unit: 'entries/s' });
    figures.push({ name: 'parse + acceptHashedRekordV002 (P-256 verify over digest, @noble/curves)', value: V2_ENTRIES / v2Accept.seconds, unit: 'entries/s' });
    figures.push({
      name: `local log v2 hashedrekord, ${CONCURRENCY} concurrent (${V2_ENTRIES} entries)`,
      value: v2Run.value,
      unit: 'entries/s',
      baseline: { name: `raw INSERTs, 1 txn per ${CONCURRENCY}`, value: inproc.rawMany },
    });
    raw.close();
    logs.close();

    // --- over HTTP ---------------------------------------------------------------------------
    const server = await startTlogServer({ dir: join(dir, 'http'), name: 'bench.tlog.local', host: '127.0.0.1', port: 0, logger: winston.createLogger({ silent: true }) });
    const bare = await bareHttpServer(2500);
    const client = new HttpClient();
    let run = 0;
    try {
      // Warm up the client's fetch and the server's routes before anything is timed.
      await client.run({ url: bare.url, kind: 'v1-dsse', concurrency: HTTP_CONCURRENCY, seconds: 1, maxRequests: 4000, tag: 'warm-bare' });
      await client.run({ url: `${server.url}/api/v1/log/entries`, kind: 'v1-dsse', concurrency: HTTP_CONCURRENCY, seconds: 1, maxRequests: 4000, tag: 'warm-v1' });
      const http = await alternating(BENCH_SECONDS, BENCH_ROUNDS, {
        bare: async (secs) =>
          (await client.run({ url: bare.url, kind: 'v1-dsse', concurrency: HTTP_CONCURRENCY, seconds: secs, maxRequests: Math.ceil(secs * 12_000), tag: `bare-${run++}` })).rate,
        v1: async (secs) =>
          (
            await client.run({
              url: `${server.url}/api/v1/log/entries`,
              kind: 'v1-dsse',
              concurrency: HTTP_CONCURRENCY,
              seconds: secs,
              maxRequests: Math.ceil(secs * 8000),
              tag: `v1-${run++}`,
            })
          ).rate,
      });
      const v2Http = await client.run({
        url: `${server.url}/api/v2/log/entries`,
        kind: 'v2-hashedrekord',
        concurrency: HTTP_CONCURRENCY,
        seconds: BENCH_SECONDS,
        maxRequests: Math.ceil(BENCH_SECONDS * 2000),
        tag: 'v2',
      });
      figures.push({ name: `bare node:http JSON POST → 201, ${HTTP_CONCURRENCY} in flight`, value: http.bare, unit: 'req/s' });
      figures.push({
        name: `HTTP POST /api/v1/log/entries, ${HTTP_CONCURRENCY} in flight`,
        value: http.v1,
        unit: 'entries/s',
        baseline: { name: 'bare node:http POST', value: http.bare },
      });
      figures.push({
        name: `HTTP POST /api/v1/log/entries, ${HTTP_CONCURRENCY} in flight`,
        value: http.v1,
        unit: 'entries/s',
        baseline: { name: `in-process v1, ${CONCURRENCY} concurrent`, value: inproc.many },
      });
      figures.push({
        name: `HTTP POST /api/v2/log/entries, ${HTTP_CONCURRENCY} in flight`,
        value: v2Http.rate,
        unit: 'entries/s',
        baseline: { name: 'bare node:http POST', value: http.bare },
      });
      const size = server.logs.v1.latestCheckpoint().size;
      note(`tlog: ${size} v1 and ${server.logs.v2.latestCheckpoint().size} v2 entries appended over HTTP`);
    } finally {
      await client.close();
      await bare.close();
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable('tlog', figures);
}
