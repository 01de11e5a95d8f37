import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The shared reference vectors (`shared/vectors`, read-only). They live beside the project
 * (`../shared`); a clone made elsewhere (`git clone . /tmp/x`) finds them beside the repository
 * it was cloned from; `ATTESTOR_SHARED_DIR` names the folder outright.
 */
export const VECTORS = path.join(sharedDir(), 'vectors');

function sharedDir(): string {
  const fromEnv = process.env['ATTESTOR_SHARED_DIR'];
  if (fromEnv) return path.resolve(fromEnv);
  const beside = path.resolve(process.cwd(), '../shared');
  const candidates = [beside];
  try {
    const origin = execFileSync('git', ['config', '--get', 'remote.origin.url'], { cwd: process.cwd(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    // Only a local path can hold the folder; a URL cannot.
    if (origin !== '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(origin) && !/^[^/]+@[^:]+:/.test(origin)) candidates.push(path.resolve(process.cwd(), origin.replace(/^file:\/\//, ''), '../shared'));
  } catch {
    // Not a git checkout, or no origin: only the folder beside it counts.
  }
  return candidates.find((dir) => existsSync(path.join(dir, 'vectors'))) ?? beside;
}
export const BUNDLE_CASES = path.join(VECTORS, 'sigstore-conformance/bundle-verify');
export const PUBLIC_GOOD_ROOT = path.join(VECTORS, 'sigstore-public-good-trusted_root.json');
export const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
export const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

export interface BundleCase {
  readonly name: string;
  readonly dir: string;
  readonly shouldVerify: boolean;
  readonly bundleFile: string;
  readonly bundleText: string;
  readonly trustedRootFile: string;
  readonly artifactFile: string;
  readonly keyFile?: string;
  readonly identity: string;
  readonly issuer: string;
}

export function bundleCases(): BundleCase[] {
  return readdirSync(BUNDLE_CASES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = path.join(BUNDLE_CASES, name);
      const file = (f: string): string | undefined => (existsSync(path.join(dir, f)) ? path.join(dir, f) : undefined);
      const text = (f: string, fallback: string): string => {
        const p = file(f);
        return p ? readFileSync(p, 'utf8').trim() : fallback;
      };
      const keyFile = file('key.pub');
      const bundleFile = path.join(dir, 'bundle.sigstore.json');
      return {
        name,
        dir,
        shouldVerify: !name.endsWith('_fail'),
        bundleFile,
        bundleText: readFileSync(bundleFile, 'utf8'),
        trustedRootFile: file('trusted_root.json') ?? PUBLIC_GOOD_ROOT,
        artifactFile: file('artifact') ?? path.join(BUNDLE_CASES, 'a.txt'),
        ...(keyFile ? { keyFile } : {}),
        identity: text('identity', DEFAULT_IDENTITY),
        issuer: text('issuer', DEFAULT_ISSUER),
      };
    });
}

/** Every `*.json` vector under `merkle/<kind>/`, with a readable name. */
export function merkleVectors(kind: 'inclusion' | 'consistency'): { name: string; json: unknown }[] {
  const root = path.join(VECTORS, 'merkle', kind);
  const out: { name: string; json: unknown }[] = [];
  for (const sub of readdirSync(root).sort()) {
    for (const f of readdirSync(path.join(root, sub)).sort()) {
      if (!f.endsWith('.json')) continue;
      out.push({ name: `${sub}/${f}`, json: JSON.parse(readFileSync(path.join(root, sub, f), 'utf8')) as unknown });
    }
  }
  return out;
}
