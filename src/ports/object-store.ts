import { AppError } from '../errors/app-error';

export interface PutResult {
  /** Lower-case hex SHA-256 of the bytes: their key in the store. */
  readonly digest: string;
  /** False when the object was already there (writes are idempotent). */
  readonly created: boolean;
}

/**
 * A content-addressed archive: an object's key is the SHA-256 of its bytes.
 * Writing the same bytes twice is a no-op; a read checks the bytes against the
 * digest and refuses to return anything that does not match.
 */
export interface ObjectStore {
  put(bytes: Uint8Array): Promise<PutResult>;
  /** The bytes stored under `digest`, or null when there are none. @throws ObjectIntegrityError on a digest mismatch. */
  get(digest: string): Promise<Buffer | null>;
  has(digest: string): Promise<boolean>;
}

export const OBJECT_STORE = Symbol('ObjectStore');

const DIGEST = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: string): boolean {
  return DIGEST.test(value);
}

/** Stored bytes do not hash to their key: the archive has been damaged or tampered with. */
export class ObjectIntegrityError extends AppError {
  readonly code = 'archive_integrity_failure';
  readonly status = 500;
  constructor(digest: string, actual: string) {
    super(`archived object ${digest} is corrupt: its bytes hash to ${actual}; restore it from a backup`, { digest, actual });
  }
}
