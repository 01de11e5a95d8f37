import type * as pkcs11js from 'pkcs11js';
import { acquireModule, releaseModule } from '../../../adapters/keys/pkcs11-module';

/**
 * Counts the PINs the token is asked to check: wraps C_Login of the module
 * instance this process shares between its providers (loading it if no
 * provider has yet). `restore()` undoes it.
 */
export function countLogins(modulePath: string): { readonly count: () => number; readonly restore: () => void } {
  const lib = acquireModule(modulePath);
  const original = lib.C_Login.bind(lib);
  let count = 0;
  lib.C_Login = (...args: Parameters<pkcs11js.PKCS11['C_Login']>) => {
    count++;
    original(...args);
  };
  return {
    count: () => count,
    restore: () => {
      lib.C_Login = original;
      releaseModule(modulePath);
    },
  };
}
