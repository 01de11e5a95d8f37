import * as pkcs11js from 'pkcs11js';
import { UnavailableError } from '../../src/errors/app-error';
import { initializeModule, reinitializeSoleModule } from './pkcs11-module';

type Handle = Buffer;

/**
 * PKCS#11 answers that mean the sessions we hold are gone, or the login or
 * library state behind them: the HSM restarted or closed them
 * (SESSION_HANDLE_INVALID, SESSION_CLOSED), the token forgot our login
 * (USER_NOT_LOGGED_IN; a token logs out when its last session closes), an
 * object handle found under an earlier login is no longer valid (SoftHSM2,
 * for one, renumbers private objects at each login), the token went away (DEVICE_REMOVED,
 * TOKEN_NOT_PRESENT, DEVICE_ERROR), or the library was finalised
 * (CRYPTOKI_NOT_INITIALIZED). New sessions with a new login can cure each of
 * them; no other answer (a wrong PIN, a missing key, a bad mechanism) is retried.
 */
const SESSIONS_LOST = new Set([
  pkcs11js.CKR_SESSION_HANDLE_INVALID,
  pkcs11js.CKR_SESSION_CLOSED,
  pkcs11js.CKR_USER_NOT_LOGGED_IN,
  pkcs11js.CKR_KEY_HANDLE_INVALID,
  pkcs11js.CKR_OBJECT_HANDLE_INVALID,
  pkcs11js.CKR_DEVICE_REMOVED,
  pkcs11js.CKR_TOKEN_NOT_PRESENT,
  pkcs11js.CKR_DEVICE_ERROR,
  pkcs11js.CKR_CRYPTOKI_NOT_INITIALIZED,
]);

export function meansSessionsLost(error: unknown): error is pkcs11js.Pkcs11Error {
  return error instanceof pkcs11js.Pkcs11Error && SESSIONS_LOST.has(error.code);
}

/** A session for one caller's exclusive use. */
export interface Lease {
  readonly lib: pkcs11js.PKCS11;
  readonly session: Handle;
  /** Object handles found under the current login, by the caller's key: they die with it. */
  readonly objects: Map<string, Handle>;
}

export interface SessionPoolOptions {
  readonly modulePath: string;
  readonly tokenLabel: string;
  readonly size: number;
  /** Logs the user in through one session of a new set (the login then holds for all of them). */
  readonly logIn: (lib: pkcs11js.PKCS11, session: Handle) => void;
  /** Told once per set of sessions found lost (not once per caller that met them). */
  readonly onSessionsLost?: (info: { readonly pkcs11Code: string }) => void;
}

/** Sessions opened and logged in together, and given up together. */
class Generation {
  readonly idle: Handle[];
  /** Sessions not known to be dead: the ones to close when the generation is given up. */
  readonly open: Set<Handle>;
  readonly objects = new Map<string, Handle>();
  leased = 0;

  constructor(sessions: Handle[]) {
    this.idle = [...sessions];
    this.open = new Set(sessions);
  }
}

interface Held extends Lease {
  readonly generation: Generation;
  lost: boolean;
}

/**
 * A pool of sessions logged in to one token that replaces them when the HSM
 * drops them. The first caller to meet a lost session retires the whole set
 * (an HSM restart kills them all); callers that meet it later find it already
 * retired, so the set is rebuilt once, not once per caller. Nothing new is
 * opened until every call still running on the retired set has come back:
 * then closing them cannot pull a session from under a running call, and a
 * restarted library that hands out the old handle numbers again cannot give
 * one of them to a new caller while an old call still uses it. The new set is
 * opened, synchronously (so by one caller only), at the next acquisition.
 */
export class Pkcs11SessionPool {
  private current: Generation | null = null;
  /** A retired generation that still has calls running. */
  private draining: Generation | null = null;
  /** Callers waiting for a session; `null` tells them to look again. */
  private readonly waiters: ((held: Held | null) => void)[] = [];
  private closed = false;
  /** Calls running on a session now, across generations; `close()` resolves once none is. */
  private inUse = 0;
  private readonly whenIdle: (() => void)[] = [];

  constructor(
    private readonly lib: pkcs11js.PKCS11,
    private readonly options: SessionPoolOptions,
  ) {}

  /**
   * Runs `work` on a session of its own. When the work finds the sessions lost,
   * it runs once more on a new set unless `retry` is false (for work that may
   * have changed the token before it failed); if that fails too, its error is
   * the answer.
   */
  async use<T>(work: (lease: Lease) => T | Promise<T>, retry = true): Promise<T> {
    const held = await this.acquire();
    try {
      return await work(held);
    } catch (error) {
      if (!meansSessionsLost(error)) throw error;
      this.retire(held, error);
      if (!retry) throw error;
    } finally {
      this.release(held);
    }
    return this.use(work, false);
  }

  /** Closes the idle sessions now and the leased ones as they come back; waiting callers get an error. */
  close(): Promise<void> {
    this.closed = true;
    const generation = this.current;
    this.current = null;
    if (generation) for (const session of generation.idle.splice(0)) this.closeSession(generation, session);
    for (const waiter of this.waiters.splice(0)) waiter(null);
    return this.inUse === 0 ? Promise.resolve() : new Promise((resolve) => this.whenIdle.push(resolve));
  }

  private async acquire(): Promise<Held> {
    for (;;) {
      if (this.closed) throw new UnavailableError('the PKCS#11 provider is closed', 5, {}, 'key_provider_unavailable');
      if (this.draining === null) {
        const generation = (this.current ??= this.openGeneration());
        const session = generation.idle.pop();
        if (session !== undefined) return this.lease(generation, session);
      }
      const handed = await new Promise<Held | null>((resolve) => this.waiters.push(resolve));
      if (handed) return handed;
    }
  }

  private lease(generation: Generation, session: Handle): Held {
    generation.leased++;
    this.inUse++;
    return { lib: this.lib, session, objects: generation.objects, generation, lost: false };
  }

  private release(held: Held): void {
    const { generation, session } = held;
    generation.leased--;
    if (--this.inUse === 0) for (const idle of this.whenIdle.splice(0)) idle();
    if (held.lost) generation.open.delete(session);
    if (generation === this.current) {
      const waiter = this.waiters.shift();
      if (waiter) waiter(this.lease(generation, session));
      else generation.idle.push(session);
    } else if (generation === this.draining) {
      if (generation.leased === 0) this.finishDraining(generation);
    } else if (!held.lost) {
      this.closeSession(generation, session); // the pool was closed while this call ran
    }
  }

  /** The first caller to find `held`'s generation lost retires it; later callers find it retired already. */
  private retire(held: Held, error: pkcs11js.Pkcs11Error): void {
    held.lost = true;
    if (held.generation !== this.current) return;
    this.current = null;
    this.draining = held.generation;
    this.options.onSessionsLost?.({ pkcs11Code: error.message });
  }

  private finishDraining(generation: Generation): void {
    // Close what may still be open (a lost login leaves live sessions) before any new session exists.
    for (const session of [...generation.open]) this.closeSession(generation, session);
    generation.idle.length = 0;
    this.draining = null;
    for (const waiter of this.waiters.splice(0)) waiter(null);
  }

  /** Finds the token, opens the sessions and logs in, with synchronous PKCS#11 calls. */
  private openGeneration(): Generation {
    const lib = this.lib;
    initializeModule(lib);
    const slot = this.findSlot() ?? (reinitializeSoleModule(this.options.modulePath) ? this.findSlot() : undefined);
    if (slot === undefined) {
      throw new UnavailableError(`no PKCS#11 token labelled ${JSON.stringify(this.options.tokenLabel)} is present in ${this.options.modulePath}`, 30, {}, 'pkcs11_token_not_found');
    }
    const sessions: Handle[] = [];
    try {
      for (let i = 0; i < this.options.size; i++) sessions.push(lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION));
      const first = sessions[0];
      if (first === undefined) throw new Error('a PKCS#11 session pool needs at least one session');
      this.options.logIn(lib, first);
    } catch (error) {
      for (const session of sessions) closeQuietly(lib, session);
      throw error;
    }
    return new Generation(sessions);
  }

  private findSlot(): Handle | undefined {
    const lib = this.lib;
    return lib.C_GetSlotList(true).find((slot) => lib.C_GetTokenInfo(slot).label.trim() === this.options.tokenLabel);
  }

  private closeSession(generation: Generation, session: Handle): void {
    generation.open.delete(session);
    closeQuietly(this.lib, session);
  }
}

function closeQuietly(lib: pkcs11js.PKCS11, session: Handle): void {
  try {
    lib.C_CloseSession(session);
  } catch {
    // already gone with the HSM's state
  }
}
