import test from 'ava';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import { compose } from '../../src/composition-root';
import { ConfigError, loadConfig } from '../../src/config/config';
import { startTlogServer } from '../../src/tlog/tlog-server';
import { aKey, aStatementFor, getJson, postJson } from '../support/api';
import { startCli } from '../support/cli-process';
import { aRunningService } from '../support/service';
import { tempDir } from '../support/temp-dir';

const hex = (s: string): string => createHash('sha256').update(s).digest('hex');
const silent = winston.createLogger({ silent: true });

test('with ATTESTOR_WORKER=off, `attestor worker` drains the service\'s queue and its own /metrics show it', async (t) => {
  const dir = tempDir(t);
  const log = await startTlogServer({ dir: join(dir, 'log'), name: 'worker.log.test', host: '127.0.0.1', port: 0, logger: silent });
  t.teardown(() => log.close());
  const trust = join(dir, 'trusted_root.json');
  writeFileSync(trust, JSON.stringify(log.logs.trustedRoot()));
  const env = {
    ATTESTOR_DATA_DIR: join(dir, 'data'),
    ATTESTOR_TLOGS: JSON.stringify([{ name: 'primary', api: 'v1', url: log.url, trustedRoot: trust }]),
    ATTESTOR_SUBMIT_WAIT_MS: '0',
  };
  const service = await aRunningService(t, { ...env, ATTESTOR_WORKER: 'off' });
  const key = await aKey(service.url);
  const submitted = await postJson(`${service.url}/api/v1/rekor/entries`, { sign: { keyId: key.keyId, statement: aStatementFor('w', hex('w')) } });
  t.is(submitted.status, 202, 'no worker in the service: the entry waits');

  const { url: metricsUrl } = await startCli(t, ['worker', '--port', '0'], { ...process.env, ...env, ATTESTOR_LOG_LEVEL: 'error' }, /metrics on (http:\/\/\S+)/);

  const id = String(submitted.body['submissionId']);
  let state = '';
  for (let i = 0; i < 200 && state !== 'logged'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    state = String((await getJson(`${service.url}/api/v1/submissions/${id}`)).body['status']);
  }
  t.is(state, 'logged');
  const metrics = await (await fetch(metricsUrl)).text();
  t.regex(metrics, /attestor_submission_total\{log="primary",result="logged"\} 1/);
  t.is((await fetch(metricsUrl.replace(/\/metrics$/, '/readyz'))).status, 200);
});

test('a service with its worker off and no ATTESTOR_TLOGS is refused at start: nothing could drain its queue', async (t) => {
  const config = loadConfig({ ATTESTOR_DATA_DIR: tempDir(t), ATTESTOR_PORT: '0', ATTESTOR_WORKER: 'off' });
  await t.throwsAsync(compose(config, silent), { instanceOf: ConfigError, message: /ATTESTOR_WORKER=off needs ATTESTOR_TLOGS/ });
});
