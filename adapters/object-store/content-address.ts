import { sha256Hex } from '../../domain/shared/sha256';
import { ValidationError } from '../../src/errors/app-error';
import { isSha256Hex, ObjectIntegrityError } from '../../src/ports/object-store';

export function requireDigest(digest: string): string {
  if (!isSha256Hex(digest)) {
    throw new ValidationError(`${JSON.stringify(digest)} is not a SHA-256 digest: expected 64 lower-case hex characters`, { digest }, 'invalid_digest');
  }
  return digest;
}

/** Returns the bytes if they hash to `digest`, else throws ObjectIntegrityError. */
export function verified(digest: string, bytes: Buffer): Buffer {
  const actual = sha256Hex(bytes);
  if (actual !== digest) throw new ObjectIntegrityError(digest, actual);
  return bytes;
}
