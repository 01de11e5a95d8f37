/**
 * An HTTP load client in its own thread, so that the server under test has
 * the main thread to itself. For each load it is sent, it builds every
 * request body before the clock starts, then keeps `concurrency` POSTs in
 * flight for `seconds` (or until the bodies run out) and reports what it saw.
 */
import { parentPort } from 'node:worker_threads';
import { aStatement, anEcdsaSigner, signEnvelope, v1DsseRequest, v2HashedRekordRequest } from '../support/dsse';

export interface HttpLoad {
  readonly url: string;
  readonly kind: 'v1-dsse' | 'v2-hashedrekord' | 'tiny-json';
  readonly concurrency: number;
  readonly seconds: number;
  readonly maxRequests: number;
  /** Makes bodies distinct between runs against the same log. */
  readonly tag: string;
}

export interface HttpLoadResult {
  readonly ok: number;
  readonly failed: number;
  readonly firstFailure?: string;
  readonly seconds: number;
  readonly rate: number;
}

function bodies(load: HttpLoad): string[] {
  const signer = anEcdsaSigner();
  return Array.from({ length: load.maxRequests }, (_, i) => {
    if (load.kind === 'tiny-json') return JSON.stringify({ i, tag: load.tag });
    const envelope = signEnvelope(signer, aStatement(`${load.tag}-${i}`));
    return JSON.stringify(load.kind === 'v1-dsse' ? v1DsseRequest(envelope, signer) : v2HashedRekordRequest(envelope, signer));
  });
}

async function run(load: HttpLoad): Promise<HttpLoadResult> {
  const all = bodies(load);
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(load.seconds * 1e9));
  await Promise.all(
    Array.from({ length: load.concurrency }, async () => {
      while (process.hrtime.bigint() < deadline && next < all.length) {
        const body = all[next++]!;
        const res = await fetch(load.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const text = await res.text();
        if (res.status === 201 || res.status === 200) ok++;
        else {
          failed++;
          firstFailure ??= `${res.status} ${text.slice(0, 200)}`;
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { ok, failed, seconds, rate: ok / seconds, ...(firstFailure === undefined ? {} : { firstFailure }) };
}

/** The worker stays up between runs, so later runs find fetch (undici) warmed up by the JIT. */
if (parentPort) {
  const port = parentPort;
  port.on('message', (load: HttpLoad) => {
    run(load).then(
      (result) => port.postMessage(result),
      (error: unknown) => port.postMessage({ ok: 0, failed: 1, seconds: 0, rate: 0, firstFailure: String(error) } satisfies HttpLoadResult),
    );
  });
}
