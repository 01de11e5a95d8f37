import test from 'ava';
import winston from 'winston';
import { SCAN_DUTY_FACTOR, SubmissionWorker } from '../../src/attestations/submission-worker';
import type { SubmissionService } from '../../src/attestations/submission.service';
import { Metrics } from '../../src/observability/metrics';
import type { ReadModelStore } from '../../src/ports/read-model-store';

/** A queue read model whose every scan costs `ms` of CPU, as a long backlog does. */
function slowQueue(ms: number): { store: ReadModelStore; scans: () => number } {
  let scans = 0;
  const store = {
    listDocuments: () => {
      scans++;
      const until = performance.now() + ms;
      while (performance.now() < until) {
        // busy, like parsing tens of thousands of pending documents
      }
      return [];
    },
  } as unknown as ReadModelStore;
  return { store, scans: () => scans };
}

test('a slow scan of the queue is not repeated sooner than SCAN_DUTY_FACTOR times its own duration', async (t) => {
  const queue = slowQueue(25);
  const worker = new SubmissionWorker(queue.store, {} as SubmissionService, new Map(), winston.createLogger({ silent: true }), new Metrics(), { pollIntervalMs: 10 });
  worker.start();
  await new Promise((r) => setTimeout(r, 1200));
  await worker.stop();
  // 25 ms per scan every 10 ms would be ~34 scans; bounded, one every ≥ 500 ms.
  t.true(SCAN_DUTY_FACTOR * 25 >= 500);
  t.true(queue.scans() <= 4, `${queue.scans()} scans in 1.2 s`);
  t.true(queue.scans() >= 2, 'the worker still scans');
});

test('a fast scan still runs at the poll interval', async (t) => {
  const queue = slowQueue(0);
  const worker = new SubmissionWorker(queue.store, {} as SubmissionService, new Map(), winston.createLogger({ silent: true }), new Metrics(), { pollIntervalMs: 20 });
  worker.start();
  await new Promise((r) => setTimeout(r, 500));
  await worker.stop();
  t.true(queue.scans() >= 10, `${queue.scans()} scans in 0.5 s`);
});
