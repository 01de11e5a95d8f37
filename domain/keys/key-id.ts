import { randomUUID } from 'node:crypto';
import type { Brand } from '../shared/brand';
import { InvalidKeyInputError } from './key.errors';

/** Identifier of a key in the ledger (the `<id>` of its `key-<id>` stream). */
export type KeyId = Brand<string, 'KeyId'>;

const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}$/;

/** Parses untrusted input into a KeyId. */
export function parseKeyId(value: unknown): KeyId {
  if (typeof value !== 'string' || !KEY_ID.test(value)) {
    throw new InvalidKeyInputError(
      `key id ${JSON.stringify(value)} is not valid: use 1–128 characters from A–Z a–z 0–9 . _ : @ + = -, starting with a letter or digit`,
      { keyId: value },
    );
  }
  return value as KeyId;
}

/** A fresh key id; the only impure helper here, called by application services, never by `decide`. */
export function newKeyId(): KeyId {
  return `k-${randomUUID()}` as KeyId;
}
