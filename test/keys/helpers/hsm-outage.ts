import { pbkdf2 } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import type { SoftHsmToken } from './softhsm';

/** SoftHSM2 hands out session and object handles from one counter; no test gets near this many. */
const HIGHEST_HANDLE_PROBED = 10_000;

/**
 * Does to a provider what a restarting HSM does, from a second pkcs11js handle
 * on the same SoftHSM2 module. SoftHSM2 keeps one state per process however
 * many times it is loaded, so closing "all sessions" here closes the
 * provider's, and finalising here finalises the library under the provider.
 *
 * SoftHSM2 frees a session's memory when the session is closed, even while a
 * C_Sign runs on it in a worker thread: never call these while a signing is
 * running in the library (see `parkWorkerThreads`).
 */
export class HsmOutage {
  private readonly lib = new pkcs11js.PKCS11();

  constructor(private readonly token: SoftHsmToken) {
    this.lib.load(token.modulePath);
    this.initialize();
  }

  /** C_CloseAllSessions on the token: every session of this process is gone and the token logs out. */
  closeAllSessions(): void {
    this.lib.C_CloseAllSessions(this.slot());
  }

  /** C_Finalize and C_Initialize: sessions, the login and object handle numbers all start over. */
  restart(): void {
    this.lib.C_Finalize();
    this.initialize();
  }

  /** C_Finalize alone: the library has no state until someone initialises it again. */
  finalize(): void {
    this.lib.C_Finalize();
  }

  /**
   * The sessions of this process the library still knows, each with its login
   * state (CKS_*). SoftHSM2 reports no session count, so this asks about every
   * handle number.
   */
  liveSessions(): number[] {
    const states: number[] = [];
    const handle = Buffer.alloc(8);
    for (let n = 1; n <= HIGHEST_HANDLE_PROBED; n++) {
      handle.writeUInt32LE(n, 0);
      try {
        states.push(this.lib.C_GetSessionInfo(handle).state);
      } catch {
        // not a session (an object handle, a closed session, or no library state at all)
      }
    }
    return states;
  }

  /** Unloads this handle (dlclose only: the library's state belongs to the provider). */
  close(): void {
    this.lib.close();
  }

  private initialize(): void {
    try {
      this.lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    } catch (error) {
      if (!(error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) throw error;
    }
  }

  private slot(): Buffer {
    const slot = this.lib.C_GetSlotList(true).find((s) => this.lib.C_GetTokenInfo(s).label.trim() === this.token.tokenLabel);
    if (slot === undefined) throw new Error(`token ${this.token.tokenLabel} not found`);
    return slot;
  }
}

/**
 * Occupies every libuv worker thread for a while (PBKDF2 runs there), so that
 * PKCS#11 calls made now wait in libuv's queue instead of running: sessions can
 * then be dropped under signings that are in flight without SoftHSM2 freeing
 * memory under a running C_Sign. `parked()` stays true until the first thread
 * is free again; `released` resolves when all are.
 */
export function parkWorkerThreads(iterations = 800_000): { readonly parked: () => boolean; readonly released: Promise<void> } {
  const threads = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4);
  let freed = 0;
  // Queued now, before the caller's PKCS#11 calls: libuv runs its queue in order.
  const jobs = Array.from(
    { length: threads },
    () =>
      new Promise<void>((resolve, reject) =>
        pbkdf2('park', 'salt', iterations, 32, 'sha256', (error) => {
          freed++;
          if (error) reject(error);
          else resolve();
        }),
      ),
  );
  return { parked: () => freed === 0, released: Promise.all(jobs).then(() => undefined) };
}
