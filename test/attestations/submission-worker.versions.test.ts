import test from 'ava';
import { SubmissionWorker } from '../../src/attestations/submission-worker';
import type { SubmissionService } from '../../src/attestations/submission.service';
import { UnsupportedEventVersionError } from '../../src/errors/app-error';
import type { Logger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import type { ReadModelStore } from '../../src/ports/read-model-store';
import type { TransparencyLog } from '../../src/ports/transparency-log';

test('the worker leaves a submission whose stream holds an event from a newer build alone: no attempt recorded, said once', async (t) => {
  const id = 'e'.repeat(64);
  const queue = { listDocuments: () => [{ key: `pending:${id}`, doc: { submissionId: id, due: { rekor: null } } }] } as unknown as ReadModelStore;
  let loads = 0;
  let attempts = 0;
  const service = {
    load: () => {
      loads++;
      return Promise.reject(new UnsupportedEventVersionError({ id: 'ev-1', stream: `submission-${id}`, type: 'SubmissionAttempted', schemaVersion: 3 }, [1], 'newer'));
    },
    recordAttempt: () => {
      attempts++;
      return Promise.resolve([]);
    },
  } as unknown as SubmissionService;
  const errors: { message: string; meta: Record<string, unknown> }[] = [];
  const logger = { error: (message: string, meta: Record<string, unknown>) => errors.push({ message, meta }), warn: () => {}, info: () => {} } as unknown as Logger;
  const worker = new SubmissionWorker(queue, service, new Map([['rekor', {} as TransparencyLog]]), logger, new Metrics(), { pollIntervalMs: 10 });
  worker.start();
  await new Promise((r) => setTimeout(r, 300));
  await worker.stop();
  t.is(attempts, 0, 'no attempt is appended to a stream this build cannot read');
  t.is(loads, 1, 'scans after the first skip it');
  t.is(errors.length, 1);
  t.regex(String(errors[0]?.meta['error']), /Upgrade Attestor to a build that reads SubmissionAttempted v3\./);
});
