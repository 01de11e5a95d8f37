import { dsse } from '@sigstore/core';
import { canonicalJson } from '../shared/canonical-json';
import { sha256Hex } from '../shared/sha256';
import { readDsseBase64 } from './dsse-base64';

/** A DSSE signature; a missing keyid means "" (dsse envelope.md). */
export interface DsseSignature {
  readonly keyid?: string;
  /** The signature bytes in canonical DSSE base64 (padded standard; dsse-base64.ts), as `parseEnvelope` and the signer write them. */
  readonly sig: string;
}

/** DSSE envelope JSON (secure-systems-lab/dsse envelope.md). */
export interface DsseEnvelope {
  /** The payload bytes in canonical DSSE base64 (padded standard; dsse-base64.ts), as `parseEnvelope` and the signer write them. */
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly DsseSignature[];
}

/** PAE(payloadType, payload), from @sigstore/core: the bytes every DSSE signature covers. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  return dsse.preAuthEncoding(payloadType, Buffer.from(payload));
}

/**
 * The envelope's archived form: RFC 8785 canonical JSON of the parsed envelope
 * (not the bytes received), so equal envelopes have equal bytes and digests:
 * JSON spacing, key order, unknown fields and (parseEnvelope canonicalises
 * them) base64 spellings do not change the digest.
 */
export function envelopeBytes(envelope: DsseEnvelope): Buffer {
  return Buffer.from(canonicalJson(envelope), 'utf8');
}

export function envelopeDigest(envelope: DsseEnvelope): string {
  return sha256Hex(envelopeBytes(envelope));
}

/**
 * Parses untrusted JSON into an envelope, or returns a reason naming the field.
 * `payload` and each `sig` must follow the DSSE base64 rule (dsse-base64.ts) and
 * come back in their canonical spelling, so the envelope's archived form and
 * digest are the same whichever accepted spelling a signer used.
 */
export function parseEnvelope(value: unknown): { ok: true; envelope: DsseEnvelope } | { ok: false; reason: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'envelope must be a JSON object' };
  const v = value as Record<string, unknown>;
  if (typeof v['payload'] !== 'string') return { ok: false, reason: 'payload must be a base64 string' };
  const payload = readDsseBase64(v['payload']);
  if (!payload.ok) return { ok: false, reason: `payload is not canonical base64: ${payload.reason}` };
  if (typeof v['payloadType'] !== 'string' || v['payloadType'] === '') return { ok: false, reason: 'payloadType must be a non-empty string' };
  const sigs = v['signatures'];
  if (!Array.isArray(sigs) || sigs.length === 0) return { ok: false, reason: 'signatures must be a non-empty array' };
  const signatures: DsseSignature[] = [];
  for (const [i, s] of (sigs as unknown[]).entries()) {
    if (typeof s !== 'object' || s === null) return { ok: false, reason: `signatures[${i}] must be an object` };
    const { keyid, sig } = s as Record<string, unknown>;
    if (typeof sig !== 'string') return { ok: false, reason: `signatures[${i}].sig must be a base64 string` };
    const decoded = readDsseBase64(sig);
    if (!decoded.ok) return { ok: false, reason: `signatures[${i}].sig is not canonical base64: ${decoded.reason}` };
    if (keyid !== undefined && typeof keyid !== 'string') return { ok: false, reason: `signatures[${i}].keyid must be a string` };
    signatures.push(keyid === undefined ? { sig: decoded.canonical } : { keyid, sig: decoded.canonical });
  }
  return { ok: true, envelope: { payload: payload.canonical, payloadType: v['payloadType'], signatures } };
}
