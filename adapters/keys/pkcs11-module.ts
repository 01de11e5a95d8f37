import * as pkcs11js from 'pkcs11js';

/**
 * One loaded PKCS#11 module per path per process, shared by the providers that
 * use it: C_Initialize and C_Finalize act on the whole process, so the module
 * is loaded (dlopen) once and finalised only when its last user lets go.
 */
const modules = new Map<string, { lib: pkcs11js.PKCS11; refs: number }>();

export function acquireModule(modulePath: string): pkcs11js.PKCS11 {
  const existing = modules.get(modulePath);
  if (existing) {
    existing.refs++;
    return existing.lib;
  }
  const lib = new pkcs11js.PKCS11();
  lib.load(modulePath);
  initializeModule(lib);
  modules.set(modulePath, { lib, refs: 1 });
  return lib;
}

export function releaseModule(modulePath: string): void {
  const entry = modules.get(modulePath);
  if (!entry) return;
  entry.refs--;
  if (entry.refs > 0) return;
  modules.delete(modulePath);
  try {
    entry.lib.C_Finalize();
  } finally {
    entry.lib.close();
  }
}

/** C_Initialize, where "already initialised" is success (another user of the module in this process did it). */
function initializeModule(lib: pkcs11js.PKCS11): void {
  try {
    // Async calls run on libuv worker threads: the module must lock internally.
    lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (!(error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) throw error;
  }
}
