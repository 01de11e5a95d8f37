import test from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { aKey, aStatementFor, getJson } from '../support/api';
import { aRunningService } from '../support/service';
import { tempDir } from '../support/temp-dir';

const run = promisify(execFile);
const attestor = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
  run(process.execPath, [resolve('dist/src/cli/main.js'), ...args], { env: { PATH: process.env['PATH'] ?? '' } });

test('a user signs and submits, fetches {uuid, index, proof}, and verifies the bundle online and offline, all from the CLI', async (t) => {
  const service = await aRunningService(t);
  const dir = tempDir(t);
  const key = await aKey(service.url);
  const statement = join(dir, 'statement.json');
  writeFileSync(statement, JSON.stringify(aStatementFor('sbom.spdx.json', createHash('sha256').update('sbom').digest('hex'))));
  const bundleFile = join(dir, 'bundle.json');

  const submitted = JSON.parse((await attestor(['submit', '--key', key.keyId, '--statement', statement, '--bundle-out', bundleFile, '--server', service.url])).stdout) as Record<string, unknown>;
  t.regex(String(submitted['uuid']), /^[0-9a-f]{64}$/);

  for (let i = 0; i < 100 && (await getJson(`${service.url}/api/v1/entries/${String(submitted['uuid'])}`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 20));
  const entry = JSON.parse((await attestor(['entries', 'get', String(submitted['uuid']), '--server', service.url])).stdout) as Record<string, unknown>;
  t.is(entry['logIndex'], submitted['logIndex']);
  t.truthy(entry['inclusionProof']);

  const online = await attestor(['verify', '--bundle', bundleFile, '--server', service.url]);
  t.regex(online.stdout, /^verified:/);

  const trust = join(dir, 'trusted_root.json');
  writeFileSync(trust, JSON.stringify((await getJson(`${service.url}/api/v1/trusted-root`)).body));
  const pub = join(dir, 'key.pub');
  writeFileSync(pub, key.publicKeyPem);
  // Offline means offline: the run has its network taken away (any socket, DNS or fetch exits 97).
  const offline = await run(process.execPath, ['--require', join(__dirname, '..', 'support', 'no-network.js'), resolve('dist/src/cli/main.js'), 'verify', '--offline', '--bundle', bundleFile, '--trust', trust, '--key', pub], {
    env: { PATH: process.env['PATH'] ?? '' },
  });
  t.regex(offline.stdout, /^verified:/);
});

test('the CLI says what is wrong when the service is not running', async (t) => {
  const error = await t.throwsAsync(attestor(['entries', 'get', 'a'.repeat(64), '--server', 'http://127.0.0.1:9']));
  t.regex((error as unknown as { stderr: string }).stderr, /cannot reach http:\/\/127\.0\.0\.1:9.*attestor serve/);
});
