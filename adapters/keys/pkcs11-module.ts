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

/**
 * C_Initialize, where "already initialised" is success. Called again when
 * sessions are reopened: it changes nothing on a running library, and brings
 * back one that was finalised under us (CKR_CRYPTOKI_NOT_INITIALIZED).
 */
export function initializeModule(lib: pkcs11js.PKCS11): void {
  try {
    // Async calls run on libuv worker threads: the module must lock internally.
    lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (!(error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) throw error;
  }
}

/**
 * C_Finalize then C_Initialize, so that a library that lists only the tokens it
 * saw at initialisation (SoftHSM2 does, and nothing in PKCS#11 forbids others
 * to) looks again. Finalising while another thread is inside the
 * library is undefined behaviour, so this is done only for the module's single
 * user in this process, who must hold no session at that moment. Answers
 * whether it re-initialised.
 */
export function reinitializeSoleModule(modulePath: string): boolean {
  const entry = modules.get(modulePath);
  if (entry?.refs !== 1) return false;
  try {
    entry.lib.C_Finalize();
  } catch (error) {
    if (!(error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_CRYPTOKI_NOT_INITIALIZED)) throw error;
  }
  initializeModule(entry.lib);
  return true;
}
