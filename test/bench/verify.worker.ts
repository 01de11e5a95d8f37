/**
 * One core's share of the parallel verify benchmark: verifies the bundles it
 * is given in a loop for `seconds`, from a start signal sent to every worker
 * at once, and reports how many it verified.
 */
import { createPublicKey, verify } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { BundleBatchVerifier } from '../../domain/transparency/bundle.batch-verify';

export interface VerifyWork {
  readonly mode: 'raw' | 'batch';
  readonly seconds: number;
  readonly bundles: readonly unknown[];
  readonly trustedRoot: unknown;
  readonly publicKeyPem: string;
  /** For `raw`: PAE bytes and signature of each envelope. */
  readonly signed: readonly { readonly pae: Uint8Array; readonly sig: Uint8Array }[];
}

export interface VerifyWorkResult {
  readonly count: number;
  readonly seconds: number;
  readonly failures: number;
}

/** The check one iteration runs, warmed up. */
function prepare(work: VerifyWork): (i: number) => boolean {
  const publicKey = createPublicKey(work.publicKeyPem);
  const verifier = new BundleBatchVerifier({ trustedRoot: work.trustedRoot, publicKey });
  const one =
    work.mode === 'raw'
      ? (i: number): boolean => {
          const s = work.signed[i % work.signed.length]!;
          return verify('sha256', s.pae, publicKey, s.sig);
        }
      : (i: number): boolean => verifier.verify(work.bundles[i % work.bundles.length]).verified;
  for (let i = 0; i < Math.max(200, work.bundles.length); i++) one(i);
  return one;
}

function run(one: (i: number) => boolean, seconds: number): VerifyWorkResult {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let count = 0;
  let failures = 0;
  while (process.hrtime.bigint() < deadline) {
    for (let k = 0; k < 16; k++) if (!one(count++)) failures++;
  }
  return { count, failures, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

if (parentPort) {
  const port = parentPort;
  const work = workerData as VerifyWork;
  const one = prepare(work);
  port.postMessage('ready');
  port.once('message', () => port.postMessage(run(one, work.seconds)));
}
