/**
 * Byte helpers shared by the transparency code. Wire formats (proto-JSON,
 * checkpoints, Rekor bodies) carry bytes as base64 or hex; Node's own decoders
 * silently skip bad characters, which would let a corrupted signature decode to
 * different bytes instead of being rejected, so decoding here is strict.
 */

const BASE64_CHARS = /^[A-Za-z0-9+/]*$/;
const BASE64URL_CHARS = /^[A-Za-z0-9_-]*$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * Strict base64 shape, padding optional: only alphabet characters, then at
 * most the padding the length calls for. (A single character class is much
 * faster than one regular expression for the whole grammar on long inputs.)
 */
function isBase64(text: string, chars: RegExp): boolean {
  let end = text.length;
  let pad = 0;
  while (pad < 2 && end > 0 && text.charCodeAt(end - 1) === 61 /* = */) {
    end--;
    pad++;
  }
  const rest = end % 4;
  if (rest === 1) return false;
  if (pad > 0 && (rest + pad) % 4 !== 0) return false;
  return chars.test(pad === 0 ? text : text.slice(0, end));
}

/** Standard base64 (RFC 4648 §4), padding optional; `undefined` if the text is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  if (text.length < LONG_TEXT) return isBase64(text, BASE64_CHARS) ? Buffer.from(text, 'base64') : undefined;
  const bytes = Buffer.from(text, 'base64');
  if (sameText(bytes.toString('base64'), text)) return bytes;
  return isBase64(text, BASE64_CHARS) ? bytes : undefined;
}

/**
 * The fast acceptance used before the character check: if the decoded bytes
 * encode back to exactly the text (padding optional), the text is strict
 * base64 of those bytes. Encoding back is native and several times cheaper than
 * a regular expression over a long text (docs/performance.md, verify); any
 * other text takes the exact check, so what is accepted does not change.
 */
/** Below this length the character check is the cheaper one (measured). */
const LONG_TEXT = 128;

function sameText(encoded: string, text: string): boolean {
  if (encoded === text) return true;
  let end = encoded.length;
  while (end > 0 && encoded.charCodeAt(end - 1) === 61 /* = */) end--;
  const unpadded = encoded.slice(0, end);
  return text === unpadded || text === unpadded + '='.repeat((4 - (end % 4)) % 4);
}

/**
 * Proto-JSON `bytes`: protobuf's JSON mapping accepts both the standard and the
 * URL-safe alphabet, with or without padding. Line breaks are dropped first, as
 * Go's decoder (and so protojson) does: bundles are often built with `base64`,
 * which wraps at 76 columns.
 */
export function decodeProtoBytes(text: string): Buffer | undefined {
  const unwrapped = text.includes('\n') ? text.replace(/\r?\n/g, '') : text;
  if (unwrapped.length >= LONG_TEXT) {
    // Node's base64 decoder reads both alphabets; see sameText.
    const bytes = Buffer.from(unwrapped, 'base64');
    if (sameText(bytes.toString('base64'), unwrapped) || sameText(bytes.toString('base64url'), unwrapped)) return bytes;
  }
  if (isBase64(unwrapped, BASE64_CHARS)) return Buffer.from(unwrapped, 'base64');
  if (isBase64(unwrapped, BASE64URL_CHARS)) return Buffer.from(unwrapped, 'base64url');
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
