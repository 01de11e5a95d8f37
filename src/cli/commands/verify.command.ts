import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Command } from 'commander';
import { parseBundleJson } from '../../../domain/transparency/bundle';
import { verifyBundle } from '../../../domain/transparency/bundle.verify';
import { firstFailure } from '../../../domain/transparency/verification-check';
import { callApi, serverUrl } from './service-client';
import { readInput, readInputJson, readInputText } from './input-file';

interface VerifyOptions {
  readonly offline?: boolean;
  readonly bundle: string;
  readonly trust?: string;
  readonly server?: string;
  readonly artifact?: string;
  readonly key?: string;
  readonly certificateIdentity?: string;
  readonly certificateOidcIssuer?: string;
  readonly json?: boolean;
}

/**
 * `attestor verify --offline --bundle F --trust trusted_root.json ...`: checks a
 * Sigstore bundle against a trusted root without network access. Exits 0 when
 * every check passes; otherwise prints the first failed check and exits 1.
 */
export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('Verify a Sigstore bundle (signature, transparency log proofs, certificate) against a trusted root')
    .option('--offline', 'verify with the files given only: no network, no service')
    .requiredOption('--bundle <file>', 'Sigstore bundle (.sigstore.json)')
    .option('--trust <file>', 'Sigstore trusted root (trusted_root.json); required with --offline')
    .option('--server <url>', 'without --offline: the service that verifies (default ATTESTOR_URL or http://127.0.0.1:8080)')
    .option('--artifact <file>', 'the signed artifact (required for message signatures; for DSSE, matched against in-toto subjects)')
    .option('--key <file>', 'PEM public key, for bundles signed with a managed key')
    .option('--certificate-identity <san>', 'expected signer identity (certificate SAN, exact match)')
    .option('--certificate-oidc-issuer <url>', 'expected OIDC issuer of the signer (exact match)')
    .option('--json', 'print every check as JSON')
    .action(async (options: VerifyOptions) => {
      process.exitCode = options.offline ? runVerify(options) : await runOnline(options);
    });
}

/** Asks the service: it checks the signatures against its key registry as of signing time, the proofs and its default policy. */
async function runOnline(options: VerifyOptions): Promise<number> {
  const bundle = readInputJson('--bundle', options.bundle);
  const key = options.key === undefined ? {} : { verifier: readInputText('--key', options.key) };
  const res = await callApi(`${serverUrl(options.server)}/api/v1/verify`, { method: 'POST', body: JSON.stringify({ bundle, ...key }) });
  const answer = res.body as { verified: boolean; checks: { name: string; ok: boolean; reason?: string }[] };
  if (options.json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  if (answer.verified) {
    if (!options.json) process.stdout.write(`verified: ${options.bundle} (${answer.checks.length} checks passed)\n`);
    return 0;
  }
  const failed = answer.checks.find((c) => !c.ok);
  process.stderr.write(`verification failed: ${failed?.name ?? 'no checks ran'}: ${failed?.reason ?? ''}\n`);
  return 1;
}

function runVerify(options: VerifyOptions): number {
  if (options.trust === undefined) {
    process.stderr.write('attestor verify: --offline needs --trust trusted_root.json\n');
    return 2;
  }
  const bundleText = readInputText('--bundle', options.bundle);
  const parsed = parseBundleJson(bundleText);
  const keyless = parsed.ok && parsed.value.verificationMaterial.content.$case !== 'publicKey';
  if (keyless && (options.certificateIdentity === undefined || options.certificateOidcIssuer === undefined)) {
    // Without an identity policy any Fulcio certificate would do: refuse rather than verify nothing meaningful.
    process.stderr.write('attestor verify: a certificate-signed bundle needs --certificate-identity and --certificate-oidc-issuer\n');
    return 2;
  }
  const verdict = verifyBundle(bundleText, {
    trustedRoot: readInputText('--trust', options.trust),
    ...(options.artifact !== undefined ? { artifact: readInput('--artifact', options.artifact) } : {}),
    ...(options.key !== undefined ? { publicKey: readKey(options.key) } : {}),
    ...(options.certificateIdentity !== undefined ? { identity: options.certificateIdentity } : {}),
    ...(options.certificateOidcIssuer !== undefined ? { issuer: options.certificateOidcIssuer } : {}),
  });
  if (options.json) process.stdout.write(`${JSON.stringify(verdict, null, 2)}\n`);
  const failed = firstFailure(verdict);
  if (verdict.verified) {
    if (!options.json) process.stdout.write(`verified: ${options.bundle} (${verdict.checks.length} checks passed)\n`);
    return 0;
  }
  process.stderr.write(`verification failed: ${failed?.name ?? 'no checks ran'}: ${failed?.reason ?? ''}\n`);
  return 1;
}

function readKey(file: string): KeyObject {
  return createPublicKey(readInputText('--key', file));
}
