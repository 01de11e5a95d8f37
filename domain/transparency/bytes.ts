/**
 * Byte helpers shared by the transparency code. Wire formats (proto-JSON,
 * checkpoints, Rekor bodies) carry bytes as base64 or hex; Node's own decoders
 * silently skip bad characters, which would let a corrupted signature decode to
 * different bytes instead of being rejected, so decoding here is strict.
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const BASE64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Standard base64 (RFC 4648 §4), padding optional; `undefined` if the text is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/**
 * Proto-JSON `bytes`: protobuf's JSON mapping accepts both the standard and the
 * URL-safe alphabet, with or without padding. Line breaks are dropped first, as
 * Go's decoder (and so protojson) does: bundles are often built with `base64`,
 * which wraps at 76 columns.
 */
export function decodeProtoBytes(text: string): Buffer | undefined {
  const unwrapped = text.replace(/\r?\n/g, '');
  if (BASE64.test(unwrapped)) return Buffer.from(unwrapped, 'base64');
  if (BASE64URL.test(unwrapped)) return Buffer.from(unwrapped, 'base64url');
  return undefined;
}

export function decodeHex(text: string): Buffer | undefined {
  return HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
