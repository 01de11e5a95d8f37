/**
 * A ledger key an offline verifier trusts: its fingerprint (hex SHA-256 of the
 * DER SPKI) and, optionally, when it may have signed, as a Sigstore trusted
 * root gives each log key a `validFor`. A window is what makes a pin outlive a
 * revocation: the holder of a revoked key can rewrite the ledger's own key
 * history (drop the KeyRevoked event, re-chain, re-sign), but cannot make a
 * checkpoint dated after the pin's `end` verify.
 */
export interface LedgerKeyPin {
  readonly fingerprint: string;
  /**
   * `start` is the first instant the key may sign; `end` the first instant it
   * may not — a revocation's `effectiveAt`, which revocation itself treats the
   * same way (a signature at that instant is revoked). Millisecond precision.
   */
  readonly validFor?: { readonly start?: string; readonly end?: string };
}

/** Why a checkpoint signed by `fingerprint` at `signedAt` is not covered by the pins, or undefined if it is. */
export function pinProblem(pins: readonly LedgerKeyPin[], fingerprint: string, signedAt: string): string | undefined {
  const mine = pins.filter((p) => p.fingerprint === fingerprint);
  if (mine.length === 0) return `key ${fingerprint}, which the trust file does not pin`;
  const at = Date.parse(signedAt);
  if (Number.isNaN(at)) return `signing time ${JSON.stringify(signedAt)} is not a date`;
  const valid = mine.some((p) => (p.validFor?.start === undefined || at >= Date.parse(p.validFor.start)) && (p.validFor?.end === undefined || at < Date.parse(p.validFor.end)));
  if (valid) return undefined;
  const windows = mine.map((p) => `${p.validFor?.start ?? '…'} to ${p.validFor?.end ?? '…'} (end excluded)`).join(', ');
  return `key ${fingerprint} is pinned only for ${windows}, not for a signature made at ${signedAt}`;
}
