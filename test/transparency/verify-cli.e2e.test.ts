import { spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { BUNDLE_CASES, DEFAULT_IDENTITY, DEFAULT_ISSUER, PUBLIC_GOOD_ROOT } from './vectors';

const CLI = path.resolve(process.cwd(), 'dist/src/cli/main.js');

function attestorVerify(caseName: string, extra: string[] = []): ReturnType<typeof spawnSync> {
  const dir = path.join(BUNDLE_CASES, caseName);
  return spawnSync(
    process.execPath,
    [CLI, 'verify', '--offline', '--bundle', path.join(dir, 'bundle.sigstore.json'), '--trust', PUBLIC_GOOD_ROOT, '--artifact', path.join(BUNDLE_CASES, 'a.txt'), ...extra],
    { encoding: 'utf8', timeout: 60_000 },
  );
}

const identity = ['--certificate-identity', DEFAULT_IDENTITY, '--certificate-oidc-issuer', DEFAULT_ISSUER];

test('attestor verify exits 0 for a valid keyless bundle', (t) => {
  const run = attestorVerify('happy-path-v0.3', identity);
  t.is(run.status, 0, String(run.stderr));
  t.regex(String(run.stdout), /^verified: /);
});

test('attestor verify exits non-zero and names the failed check for a bundle whose checkpoint is for another tree', (t) => {
  const run = attestorVerify('checkpoint-wrong-roothash_fail', identity);
  t.is(run.status, 1);
  t.regex(String(run.stderr), /verification failed: tlog\.root-hash: /);
});

test('attestor verify checks a managed-key bundle with --key', (t) => {
  const run = attestorVerify('managed-key-happy-path', ['--key', path.join(BUNDLE_CASES, 'managed-key-happy-path', 'key.pub')]);
  t.is(run.status, 0, String(run.stderr));
});

test('attestor verify refuses a keyless bundle without an identity policy', (t) => {
  const run = attestorVerify('happy-path-v0.3');
  t.not(run.status, 0);
  t.regex(String(run.stderr), /--certificate-identity/);
});

test('attestor verify --json prints every check', (t) => {
  const run = attestorVerify('happy-path-v0.3', [...identity, '--json']);
  const verdict = JSON.parse(String(run.stdout)) as { verified: boolean; checks: { name: string }[] };
  t.true(verdict.verified);
  t.true(verdict.checks.some((c) => c.name === 'tlog.inclusion-proof'));
});
