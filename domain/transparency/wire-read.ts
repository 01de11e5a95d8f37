import { readDsseBase64 } from '../signing/dsse-base64';
import { decodeBase64, decodeHex, decodeProtoBytes } from './bytes';

/**
 * Small strict readers for the hot paths that decode bundles and entry bodies
 * without zod (bundle.wire-reader.ts, rekor-body.ts). Each answers `undefined`
 * for anything it does not accept outright; the caller then falls back to the
 * zod schema, which stays the specification and writes the error message. A
 * reader may refuse more than the schema does, never less.
 */
export type JsonObject = Readonly<Record<string, unknown>>;

/** A plain JSON object (not null, not an array). */
export function object(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function string(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Proto-JSON bytes (standard or URL-safe base64), as `protoBytes` in bundle.schema.ts. */
export function protoBytes(value: unknown): Buffer | undefined {
  return typeof value === 'string' ? decodeProtoBytes(value) : undefined;
}

export function nonEmptyProtoBytes(value: unknown): Buffer | undefined {
  const bytes = protoBytes(value);
  return bytes !== undefined && bytes.length > 0 ? bytes : undefined;
}

/** Standard base64 only, as Rekor v1 bodies carry it. */
export function base64(value: unknown): Buffer | undefined {
  return typeof value === 'string' ? decodeBase64(value) : undefined;
}

/**
 * A DSSE signature as a Rekor v1 `dsse` body carries it: the envelope's `sig`
 * text exactly as submitted (rekor pkg/types/dsse/v0.0.1 copies `sig.Sig`), so
 * standard or URL-safe, by the one DSSE rule.
 */
export function dsseBase64(value: unknown): Buffer | undefined {
  if (typeof value !== 'string') return undefined;
  const read = readDsseBase64(value);
  return read.ok ? read.bytes : undefined;
}

/** A hex SHA-256 digest `{algorithm: "sha256", value}` (Rekor v1). */
export function sha256Hex(value: unknown): Buffer | undefined {
  const hash = object(value);
  if (hash?.['algorithm'] !== 'sha256' || typeof hash['value'] !== 'string') return undefined;
  const bytes = decodeHex(hash['value']);
  return bytes?.length === 32 ? bytes : undefined;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** A non-negative proto-JSON int64 (decimal string or number) that fits a JavaScript number, as `nonNegativeInt64`. */
export function nonNegativeInt64(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value);
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Every element read with `read`, or `undefined` if the value is not an array or one element fails. */
export function arrayOf<T>(value: unknown, read: (element: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: T[] = [];
  for (const element of value as unknown[]) {
    const item = read(element);
    if (item === undefined) return undefined;
    out.push(item);
  }
  return out;
}
