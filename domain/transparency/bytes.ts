/**
 * Byte helpers shared by the transparency code. Wire formats (proto-JSON,
 * checkpoints, Rekor bodies) carry bytes as base64 or hex; Node's own decoders
 * silently skip bad characters, which would let a corrupted signature decode to
 * different bytes instead of being rejected, so decoding here is strict.
 */

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** 'either': one alphabet or the other, not both. */
type Alphabet = 'standard' | 'url' | 'either';

/**
 * Strict base64 (RFC 4648 §4 or §5), padding optional, decoded in one native
 * call and then checked, instead of matching a regular expression first (which
 * cost more than the decoding; docs/performance.md, verify):
 *
 * - the padding is what the length calls for, and no text leaves a single
 *   dangling character (length ≡ 1 mod 4);
 * - the text is ASCII (Node's decoder would read a character above U+00FF by
 *   its low byte alone, e.g. 'Ł' as 'A');
 * - Node's decoder reads both alphabets and skips any other ASCII character,
 *   or stops at a misplaced '=', so every such character leaves fewer bytes
 *   than the length promises: an ASCII text decodes to exactly ⌊3n/4⌋ bytes
 *   (n characters before the padding) only if all n are base64 characters;
 * - the two alphabets are not mixed, and only the allowed one is used.
 *
 * test/transparency/wire-readers.test.ts checks this against the grammar.
 */
function decodeStrict(text: string, alphabet: Alphabet): Buffer | undefined {
  let end = text.length;
  let pad = 0;
  while (pad < 2 && end > 0 && text.charCodeAt(end - 1) === 61 /* = */) {
    end--;
    pad++;
  }
  const rest = end % 4;
  if (rest === 1) return undefined;
  if (pad > 0 && (rest + pad) % 4 !== 0) return undefined;
  // Node's decoder reads only the low byte of a character above U+00FF ('Ł' U+0141 as 'A'):
  // such characters would pass the length check below. ASCII-only text has as many UTF-8
  // bytes as characters (a native count).
  if (Buffer.byteLength(text, 'utf8') !== text.length) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== Math.floor((end * 3) / 4)) return undefined;
  const standard = text.includes('+') || text.includes('/');
  const url = text.includes('-') || text.includes('_');
  if (standard && url) return undefined;
  if ((alphabet === 'standard' && url) || (alphabet === 'url' && standard)) return undefined;
  return bytes;
}

/** Standard base64 (RFC 4648 §4), padding optional; `undefined` if the text is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  return decodeStrict(text, 'standard');
}

/** Standard base64 with exactly the padding its length calls for (RFC 4648 §4 to the letter, as Rekor's API takes it). */
export function decodePaddedBase64(text: string): Buffer | undefined {
  return text.length % 4 === 0 ? decodeStrict(text, 'standard') : undefined;
}

/**
 * Proto-JSON `bytes`: protobuf's JSON mapping accepts both the standard and the
 * URL-safe alphabet, with or without padding. Line breaks are dropped first, as
 * Go's decoder (and so protojson) does: bundles are often built with `base64`,
 * which wraps at 76 columns.
 */
export function decodeProtoBytes(text: string): Buffer | undefined {
  return decodeStrict(text.includes('\n') ? text.replace(/\r?\n/g, '') : text, 'either');
}

export function decodeHex(text: string): Buffer | undefined {
  return HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

