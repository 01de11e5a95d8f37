import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { noteVerifierFor, parseTrustedRoot, parseVerifierKey, type NoteVerifier, type TrustedRoot } from '../../domain/transparency';
import type { LedgerKeyPin } from '../../domain/ledger/ledger-key-pin';
import { ValidationError } from '../errors/app-error';

/**
 * What an offline verifier trusts, from `--trust trust.json`:
 *
 *   { "ledgerKeys": ["<hex SHA-256 of the ledger key's DER SPKI>",
 *                   { "fingerprint": "<…>", "validFor": { "start": "<RFC 3339>", "end": "<RFC 3339>" } }, …],
 *     "logKeys":    ["<C2SP verifier key: name+keyid+base64>", …],
 *     "trustedRoot": { …a Sigstore trusted root… } }
 *
 * Every member is optional; a bare Sigstore trusted root is accepted too.
 */
export interface KitTrust {
  /** Pinned ledger keys (with optional validity windows); undefined = the kit's own key history is believed (self-asserted). */
  readonly ledgerKeys?: readonly LedgerKeyPin[];
  /** Verifiers of transparency-log checkpoints: the `logKeys`, and the keys of the trusted root's logs. */
  readonly logVerifiers: readonly NoteVerifier[];
  /**
   * The Sigstore trusted root, if one was given: entries of its logs are
   * verified as bundles by the domain verifier (inclusion proof, checkpoint
   * signature, SET, entry body against the envelope, log key validity).
   */
  readonly trustedRoot?: TrustedRoot;
  readonly source: string;
}

const Fingerprint = z.string().regex(/^[0-9a-f]{64}$/, 'ledger keys are hex SHA-256 fingerprints');
// Millisecond precision at most: times are compared as JavaScript dates, which would drop the rest.
const Instant = z.iso
  .datetime({ offset: true, message: 'an RFC 3339 time, e.g. 2026-11-25T18:00:00Z' })
  .refine((t) => !/\.\d{4,}/.test(t), 'give the time to the millisecond at most (e.g. 2026-11-25T18:00:00.123Z)');
/** A fingerprint with the window in which the key may have signed (a revoked key's pin ends at its revocation). */
const PinWithWindow = z
  .strictObject({ fingerprint: Fingerprint, validFor: z.strictObject({ start: Instant.optional(), end: Instant.optional() }).optional() })
  .refine((p) => p.validFor?.start === undefined || p.validFor.end === undefined || Date.parse(p.validFor.start) <= Date.parse(p.validFor.end), 'validFor.start is after validFor.end');

/** A pin as a bare fingerprint or with a window; each form reports its own errors (a union would only say "invalid input"). */
const LedgerKeyPinSchema = z.unknown().transform((value, ctx): LedgerKeyPin => {
  const parsed = typeof value === 'string' ? Fingerprint.safeParse(value) : PinWithWindow.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  }
  const pin = parsed.data;
  if (typeof pin === 'string') return { fingerprint: pin };
  return { fingerprint: pin.fingerprint, ...(pin.validFor ? { validFor: { ...pin.validFor } } : {}) };
});

const TrustFile = z.strictObject({
  ledgerKeys: z.array(LedgerKeyPinSchema).optional(),
  logKeys: z.array(z.string()).optional(),
  trustedRoot: z.unknown().optional(),
});

export function parseTrust(json: unknown, source: string): KitTrust {
  if (typeof json === 'object' && json !== null && typeof (json as { mediaType?: unknown }).mediaType === 'string') {
    // A bare trusted root, possibly with trust-file members added to it (`jq '. + {ledgerKeys: […]}'`):
    // those members must not be dropped silently.
    const { ledgerKeys, logKeys, ...rootJson } = json as { ledgerKeys?: unknown; logKeys?: unknown } & Record<string, unknown>;
    if (ledgerKeys !== undefined || logKeys !== undefined) {
      return parseTrust({ trustedRoot: rootJson, ...(ledgerKeys === undefined ? {} : { ledgerKeys }), ...(logKeys === undefined ? {} : { logKeys }) }, source);
    }
    const root = trustedRootOf(json, source);
    return { logVerifiers: verifiersOf(root), trustedRoot: root, source };
  }
  const parsed = TrustFile.safeParse(json);
  if (!parsed.success) throw new ValidationError(`${source}: not a trust file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const logVerifiers: NoteVerifier[] = [];
  for (const text of parsed.data.logKeys ?? []) {
    const v = parseVerifierKey(text);
    if (!v.ok) throw new ValidationError(`${source}: log key ${JSON.stringify(text.slice(0, 40))}: ${v.reason}`);
    logVerifiers.push(v.value);
  }
  const root = parsed.data.trustedRoot === undefined ? undefined : trustedRootOf(parsed.data.trustedRoot, source);
  if (root !== undefined) logVerifiers.push(...verifiersOf(root));
  return { ...(parsed.data.ledgerKeys === undefined ? {} : { ledgerKeys: parsed.data.ledgerKeys }), logVerifiers, ...(root === undefined ? {} : { trustedRoot: root }), source };
}

export function loadTrustFile(file: string): KitTrust {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ValidationError(`trust file ${file} cannot be read as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseTrust(json, file);
}

function trustedRootOf(json: unknown, source: string): TrustedRoot {
  const root = parseTrustedRoot(json);
  if (!root.ok) throw new ValidationError(`${source}: ${root.reason}`);
  return root.value;
}

function verifiersOf(root: TrustedRoot): NoteVerifier[] {
  return root.tlogs.flatMap((t) => {
    const v = noteVerifierFor(t.keyName, t.publicKey);
    return v.ok ? [v.value] : [];
  });
}
