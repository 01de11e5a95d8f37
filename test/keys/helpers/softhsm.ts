import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const SOFTHSM_MODULE_CANDIDATES = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so'];

export interface SoftHsmToken {
  readonly modulePath: string;
  readonly tokenLabel: string;
  readonly pin: string;
  readonly dir: string;
  cleanup(): void;
}

/**
 * A fresh SoftHSM2 token in its own temporary directory. Sets SOFTHSM2_CONF for
 * this process (the module reads it at C_Initialize), so call it before any
 * provider opens the module, once per test file.
 */
export function initSoftHsmToken(tokenLabel = 'attestor-test', pin = '1234'): SoftHsmToken {
  const modulePath = SOFTHSM_MODULE_CANDIDATES.find((p) => existsSync(p));
  if (modulePath === undefined) throw new Error(`SoftHSM2 module not found (apt-get install softhsm2); looked in ${SOFTHSM_MODULE_CANDIDATES.join(', ')}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attestor-softhsm-'));
  const tokens = path.join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = path.join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env['SOFTHSM2_CONF'] = conf;
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel, '--pin', pin, '--so-pin', '87654321'], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    stdio: 'pipe',
  });
  return { modulePath, tokenLabel, pin, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
