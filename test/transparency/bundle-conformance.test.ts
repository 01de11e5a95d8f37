import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import test from 'ava';
import { verifyBundles } from '../../domain/transparency/bundle.batch-verify';
import { safeJson, verifyBundle, verifyBundleWith } from '../../domain/transparency/bundle.verify';
import { TlogVerificationMemo } from '../../domain/transparency/tlog-verification.cache';
import { parseTrustedRoot } from '../../domain/transparency/trusted-root';
import { firstFailure } from '../../domain/transparency/verification-check';
import { bundleCases, type BundleCase } from './vectors';

const cases = bundleCases();

function verifyCase(c: BundleCase): ReturnType<typeof verifyBundle> {
  const keyed = c.keyFile !== undefined;
  return verifyBundle(c.bundleText, {
    trustedRoot: readFileSync(c.trustedRootFile, 'utf8'),
    artifact: readFileSync(c.artifactFile),
    ...(keyed ? { publicKey: createPublicKey(readFileSync(c.keyFile, 'utf8')) } : { identity: c.identity, issuer: c.issuer }),
  });
}

test('every Sigstore conformance bundle case gets its expected outcome', (t) => {
  const disagreements: string[] = [];
  for (const c of cases) {
    const verdict = verifyCase(c);
    if (verdict.verified !== c.shouldVerify) {
      const failed = firstFailure(verdict);
      disagreements.push(`${c.name}: ${verdict.verified ? 'verified' : `rejected at ${failed?.name}: ${failed?.reason}`}`);
    }
  }
  t.log(`${cases.length - disagreements.length}/${cases.length} bundle cases agree`);
  for (const d of disagreements) t.log(`disagrees: ${d}`);
  t.is(cases.length, 58);
  t.deepEqual(disagreements, []);
});

test('every failing case is rejected by a named check with a reason', (t) => {
  for (const c of cases.filter((x) => !x.shouldVerify)) {
    const failed = firstFailure(verifyCase(c));
    t.truthy(failed?.name, c.name);
    t.truthy(failed?.reason, c.name);
  }
});

test('a Rekor v2 hashedrekord entry over a DSSE envelope verifies (sigstore-js rejects it)', (t) => {
  const c = cases.find((x) => x.name === 'rekor2-dsse-happy-path');
  t.truthy(c);
  t.true(verifyCase(c as BundleCase).verified);
});

test('a log key whose validity has no start is rejected (sigstore-js accepts it)', (t) => {
  const c = cases.find((x) => x.name === 'trust-root-tlog-missing-validity-start_fail');
  const verdict = verifyCase(c as BundleCase);
  t.false(verdict.verified);
  t.is(firstFailure(verdict)?.name, 'trusted-root.parse');
});

test('transparency-log checks run on every case that parses', (t) => {
  const required = ['log-key', 'body', 'inclusion-proof', 'checkpoint', 'set'];
  for (const c of cases) {
    const verdict = verifyCase(c);
    if (!verdict.checks.find((k) => k.name === 'trusted-root.parse')?.ok) continue;
    for (const name of required) t.true(verdict.checks.some((k) => k.name.endsWith(`.${name}`)), `${c.name} lacks ${name}`);
  }
});

test('the batch verifier agrees with verifyBundle on every conformance case', (t) => {
  const disagreements: string[] = [];
  for (const c of cases) {
    const keyed = c.keyFile !== undefined;
    const [verdict] = verifyBundles(
      [c.bundleText],
      {
        trustedRoot: readFileSync(c.trustedRootFile, 'utf8'),
        ...(keyed ? { publicKey: createPublicKey(readFileSync(c.keyFile, 'utf8')) } : { identity: c.identity, issuer: c.issuer }),
      },
      [readFileSync(c.artifactFile)],
    );
    if (verdict?.verified !== c.shouldVerify) disagreements.push(`${c.name}: ${verdict?.verified ? 'verified' : `rejected at ${firstFailure(verdict!)?.name}`}`);
  }
  t.log(`${cases.length - disagreements.length}/${cases.length} bundle cases agree (batch verifier)`);
  t.deepEqual(disagreements, []);
});

test('a warm verification cache changes no check: verifyBundleWith with one memo gives verifyBundle\'s verdict, twice, on every case', (t) => {
  // One parsed root and one memo per trusted root, as a BundleBatchVerifier holds them.
  const memos = new Map<string, { root: ReturnType<typeof parseTrustedRoot>; memo: TlogVerificationMemo }>();
  for (const round of [1, 2]) {
    for (const c of cases) {
      const keyed = c.keyFile !== undefined;
      const trustedRoot = readFileSync(c.trustedRootFile, 'utf8');
      const options = keyed ? { publicKey: createPublicKey(readFileSync(c.keyFile, 'utf8')) } : { identity: c.identity, issuer: c.issuer };
      const artifact = readFileSync(c.artifactFile);
      const held = memos.get(trustedRoot) ?? { root: parseTrustedRoot(safeJson(trustedRoot)), memo: new TlogVerificationMemo(4) };
      memos.set(trustedRoot, held);
      const cached = verifyBundleWith(c.bundleText, artifact, options, { trustedRoot: () => held.root, cache: held.memo });
      t.deepEqual(cached, verifyCase(c), `${c.name} (round ${round})`);
    }
  }
});
