import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseBundleJson } from '../../../domain/transparency/bundle';
import { verifyBundle } from '../../../domain/transparency/bundle.verify';
import { firstFailure } from '../../../domain/transparency/verification-check';

interface VerifyOptions {
  readonly offline?: boolean;
  readonly bundle: string;
  readonly trust: string;
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
    .option('--offline', 'verify with the material given only, without network access (required: online verification is not supported yet)')
    .requiredOption('--bundle <file>', 'Sigstore bundle (.sigstore.json)')
    .requiredOption('--trust <file>', 'Sigstore trusted root (trusted_root.json)')
    .option('--artifact <file>', 'the signed artifact (required for message signatures; for DSSE, matched against in-toto subjects)')
    .option('--key <file>', 'PEM public key, for bundles signed with a managed key')
    .option('--certificate-identity <san>', 'expected signer identity (certificate SAN, exact match)')
    .option('--certificate-oidc-issuer <url>', 'expected OIDC issuer of the signer (exact match)')
    .option('--json', 'print every check as JSON')
    .action((options: VerifyOptions) => {
      process.exitCode = runVerify(options);
    });
}

function runVerify(options: VerifyOptions): number {
  if (!options.offline) {
    process.stderr.write('attestor verify: online verification is not supported yet; pass --offline\n');
    return 2;
  }
  const bundleText = readFileSync(options.bundle, 'utf8');
  const parsed = parseBundleJson(bundleText);
  const keyless = parsed.ok && parsed.value.verificationMaterial.content.$case !== 'publicKey';
  if (keyless && (options.certificateIdentity === undefined || options.certificateOidcIssuer === undefined)) {
    // Without an identity policy any Fulcio certificate would do: refuse rather than verify nothing meaningful.
    process.stderr.write('attestor verify: a certificate-signed bundle needs --certificate-identity and --certificate-oidc-issuer\n');
    return 2;
  }
  const verdict = verifyBundle(bundleText, {
    trustedRoot: readFileSync(options.trust, 'utf8'),
    ...(options.artifact !== undefined ? { artifact: readFileSync(options.artifact) } : {}),
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
  return createPublicKey(readFileSync(file, 'utf8'));
}
