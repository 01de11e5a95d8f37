import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as pkcs11js from 'pkcs11js';
import { ConflictError, ValidationError } from '../../src/errors/app-error';

export type Pkcs11PinSource = { readonly env: string } | { readonly file: string };

/** The PKCS#11 answers to C_Login that mean the PIN itself is wrong. */
const WRONG_PIN = new Set([pkcs11js.CKR_PIN_INCORRECT, pkcs11js.CKR_PIN_INVALID, pkcs11js.CKR_PIN_LEN_RANGE]);

/**
 * The user login to a token. The PIN is read from its source at each login, so
 * fixing the source is enough. A PIN the token rejected is not presented again
 * until the source holds another one: tokens lock the user PIN after a few
 * wrong attempts, and neither a burst of requests nor sessions reopened after
 * an HSM restart may be what locks it.
 */
export class Pkcs11Login {
  /** SHA-256 of the PIN the token last rejected (in memory only). */
  private rejected: Buffer | null = null;

  constructor(
    private readonly source: Pkcs11PinSource,
    private readonly tokenLabel: string,
  ) {}

  /** Logs the user in through `session` (the login then holds for every session of this process on the token). */
  logIn(lib: pkcs11js.PKCS11, session: Buffer): void {
    const pin = this.readPin();
    const digest = createHash('sha256').update(pin).digest();
    if (this.rejected?.equals(digest)) {
      throw this.wrongPin('rejected this user PIN at an earlier login; it is not presented again, so the token does not lock');
    }
    try {
      lib.C_Login(session, pkcs11js.CKU_USER, pin);
    } catch (error) {
      if (!(error instanceof pkcs11js.Pkcs11Error)) throw error;
      if (error.code === pkcs11js.CKR_USER_ALREADY_LOGGED_IN) return;
      if (WRONG_PIN.has(error.code)) {
        this.rejected = digest;
        throw this.wrongPin(`rejected the user PIN (${error.message})`);
      }
      if (error.code === pkcs11js.CKR_PIN_LOCKED) {
        throw new ConflictError(`the user PIN of PKCS#11 token ${JSON.stringify(this.tokenLabel)} is locked after too many wrong attempts; unlock it with the SO PIN`, {}, 'pkcs11_pin_locked');
      }
      throw error;
    }
    this.rejected = null;
  }

  private wrongPin(what: string): ValidationError {
    return new ValidationError(`the PKCS#11 token ${JSON.stringify(this.tokenLabel)} ${what}; fix the PIN in ${describePinSource(this.source)}`, {}, 'pkcs11_pin_incorrect');
  }

  private readPin(): string {
    const source = this.source;
    if ('env' in source) {
      const pin = process.env[source.env];
      if (pin === undefined || pin === '') {
        throw new ValidationError(`the PKCS#11 PIN environment variable ${source.env} is not set; set it to the token's user PIN`, { env: source.env }, 'pkcs11_pin_missing');
      }
      return pin;
    }
    try {
      return readFileSync(source.file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new ValidationError(`cannot read the PKCS#11 PIN file ${source.file}: ${error instanceof Error ? error.message : String(error)}`, { file: source.file }, 'pkcs11_pin_missing');
    }
  }
}

function describePinSource(pin: Pkcs11PinSource): string {
  return 'env' in pin ? `environment variable ${pin.env}` : `PIN file ${pin.file}`;
}
