import canonicalizeJson from 'canonicalize';

/**
 * RFC 8785 (JCS) canonical JSON. Every hash the ledger computes over JSON goes
 * through here, so the same value always gives the same bytes.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}
