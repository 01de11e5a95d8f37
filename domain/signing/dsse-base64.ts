/**
 * The one rule for the base64 text of a DSSE envelope's `payload` and
 * `signatures[].sig`, applied by every reader of those fields (parsing an
 * envelope, verifying its signatures, submitting it, logging it, bundling it).
 *
 * The DSSE protocol lets signers use "either standard or URL-safe base64
 * encodings" and says verifiers MUST accept either (RFC 4648 §4 and §5). The
 * decoder Rekor, cosign and in-toto-golang share (go-securesystemslib dsse
 * `b64Decode`) tries Go's `base64.StdEncoding`, then `base64.URLEncoding`:
 * padded, one alphabet per text. So a text is accepted only if it is exactly
 * the padded standard or the padded URL-safe encoding of its bytes, which
 * refuses, each with its own reason:
 * - missing or partial padding ("ab", "ab="), which a log would refuse;
 * - the two alphabets mixed in one text, which a log would refuse;
 * - line breaks and any other character outside the alphabet;
 * - set unused bits in the last character (RFC 4648 §3.5). Go does not check
 *   them, but without this check "xx==" and "xw==" both spell the byte 0xc7,
 *   and one envelope could be stored, digested and deduplicated twice.
 *
 * Each accepted text spells one byte string, and each byte string has two
 * accepted spellings: `canonical` maps both to the padded standard one. That
 * is the spelling every signer we know of writes, and the one this service
 * stores, digests and sends to the logs.
 */
export type DsseBase64 = { readonly ok: true; readonly bytes: Buffer; readonly canonical: string } | { readonly ok: false; readonly reason: string };

export function readDsseBase64(text: string): DsseBase64 {
  // Encode and compare: an encoder writes only canonical text, so equality proves the text is
  // canonical, and Node's decoder (which reads both alphabets) decodes canonical text exactly.
  const bytes = Buffer.from(text, 'base64');
  const canonical = bytes.toString('base64');
  if (text === canonical) return { ok: true, bytes, canonical };
  if (text === urlSafe(bytes)) return { ok: true, bytes, canonical };
  return { ok: false, reason: whyNot(text, canonical) };
}

/** The padded URL-safe spelling (Node's 'base64url' leaves the padding off). */
function urlSafe(bytes: Buffer): string {
  const text = bytes.toString('base64url');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

const NOT_ALPHABET = /[^A-Za-z0-9+/\-_=]/;

/** What is wrong with a text `readDsseBase64` refused, worded for the person who has to fix it. */
function whyNot(text: string, canonical: string): string {
  const bad = NOT_ALPHABET.exec(text);
  if (bad) {
    const what = bad[0] === '\n' || bad[0] === '\r' ? 'a line break' : `the character ${JSON.stringify(bad[0])}`;
    return `${what} at offset ${bad.index} is not base64 (standard A-Z a-z 0-9 + / or URL-safe A-Z a-z 0-9 - _, padded with =)`;
  }
  if (/[+/]/.test(text) && /[-_]/.test(text)) return 'it mixes the standard (+ /) and the URL-safe (- _) alphabets; use one of them';
  const body = text.replace(/=+$/, '');
  if (body.includes('=') || text.length - body.length > 2) return "'=' may only pad the end, once or twice";
  if (text.length % 4 !== 0) {
    const rest = body.length % 4;
    if (rest === 0) return "it has '=' padding where none is due";
    if (rest === 1) return `it is ${body.length} characters before any padding, one more than whole bytes allow: it is truncated or has a stray character`;
    const given = text.slice(body.length);
    return `its padding is ${given ? `"${given}"` : 'missing'}: RFC 4648 base64 of this length ends in "${'='.repeat(4 - rest)}"`;
  }
  return `its last character has unused bits set, so it is not the encoding of its bytes; the canonical spelling ends in "${canonical.slice(-4)}"`;
}
