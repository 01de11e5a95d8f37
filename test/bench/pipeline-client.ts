/**
 * The load generator of the pipeline benchmark, run as a separate process so
 * that the service under test keeps its own core. Argument: a JSON job; prints
 * one JSON result line.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { dsse } from '@sigstore/core';
import { Agent, get } from 'node:http';

type Job =
  | { readonly kind: 'submit'; readonly url: string; readonly keyId: string; readonly count: number; readonly concurrency: number; readonly tag: string }
  | { readonly kind: 'raw'; readonly logUrl: string; readonly count: number; readonly concurrency: number; readonly tag: string }
  | { readonly kind: 'get'; readonly urls: readonly string[]; readonly ratePerSecond: number; readonly seconds: number };

const statement = (name: string): Record<string, unknown> => ({
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name, digest: { sha256: createHash('sha256').update(name).digest('hex') } }],
  predicateType: 'https://slsa.dev/provenance/v1',
  predicate: {},
});

async function pool(count: number, concurrency: number, op: (i: number) => Promise<boolean>): Promise<{ ok: number; failed: number; seconds: number }> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        if (await op(next++)) ok++;
        else failed++;
      }
    }),
  );
  return { ok, failed, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function main(job: Job): Promise<unknown> {
  switch (job.kind) {
    case 'submit': {
      const ids: string[] = [];
      const result = await pool(job.count, job.concurrency, async (i) => {
        const res = await fetch(`${job.url}/api/v1/rekor/entries?wait=0`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sign: { keyId: job.keyId, statement: statement(`${job.tag}-${i}`) } }),
        });
        const body = (await res.json()) as { submissionId?: string };
        if (body.submissionId && ids.length < 500) ids.push(body.submissionId);
        return res.status === 202 || res.status === 201;
      });
      return { ...result, ids };
    }
    case 'raw': {
      // The same work without the ledger: sign with node:crypto, log the envelope in the local log.
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const verifier = Buffer.from(publicKey.export({ format: 'pem', type: 'spki' })).toString('base64');
      return pool(job.count, job.concurrency, async (i) => {
        const payload = Buffer.from(JSON.stringify(statement(`${job.tag}-${i}`)));
        const payloadType = 'application/vnd.in-toto+json';
        const sig = sign('sha256', dsse.preAuthEncoding(payloadType, payload), privateKey).toString('base64');
        const envelope = JSON.stringify({ payload: payload.toString('base64'), payloadType, signatures: [{ keyid: '', sig }] });
        const res = await fetch(`${job.logUrl}/api/v1/log/entries`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope, verifiers: [verifier] } } }),
        });
        await res.arrayBuffer();
        return res.status === 201;
      });
    }
    case 'get': {
      // Open loop: requests leave on a fixed schedule whatever the answers' speed, so queueing shows in the latency.
      const total = Math.round(job.ratePerSecond * job.seconds);
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });
      const latencies: number[] = [];
      let failed = 0;
      const start = performance.now();
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const due = start + (i * 1000) / job.ratePerSecond;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const url = job.urls[i % job.urls.length]!;
        inFlight.push(
          new Promise<void>((done) => {
            const t0 = performance.now();
            // node:http with a keep-alive agent: fetch's own overhead would be measured otherwise.
            get(url, { agent }, (res) => {
              res.resume();
              res.on('end', () => {
                if (res.statusCode === 200) latencies.push(performance.now() - t0);
                else failed++;
                done();
              });
            }).on('error', () => {
              failed++;
              done();
            });
          }),
        );
      }
      await Promise.all(inFlight);
      const seconds = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
      return { ok: latencies.length, failed, seconds, achieved: latencies.length / seconds, p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? NaN };
    }
    default: {
      const unhandled: never = job;
      throw new Error(`unknown job ${JSON.stringify(unhandled)}`);
    }
  }
}

main(JSON.parse(process.argv[2] ?? '{}') as Job).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  },
);
