import { dsse } from '@sigstore/core';
import { canonicalJson } from '../shared/canonical-json';
import { sha256Hex } from '../shared/sha256';

/** A DSSE signature; a missing keyid means "" (dsse envelope.md). */
export interface DsseSignature {
  readonly keyid?: string;
  /** Base64 (standard) signature bytes. */
  readonly sig: string;
}

/** DSSE envelope JSON (secure-systems-lab/dsse envelope.md). */
export interface DsseEnvelope {
  /** Base64 (standard) payload bytes. */
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly DsseSignature[];
}

/** PAE(payloadType, payload), from @sigstore/core: the bytes every DSSE signature covers. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  return dsse.preAuthEncoding(payloadType, Buffer.from(payload));
}

/** The envelope's archived form: RFC 8785 canonical JSON, so equal envelopes have equal bytes and digests. */
export function envelopeBytes(envelope: DsseEnvelope): Buffer {
  return Buffer.from(canonicalJson(envelope), 'utf8');
}

export function envelopeDigest(envelope: DsseEnvelope): string {
  return sha256Hex(envelopeBytes(envelope));
}


const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (DSSE uses standard or URL-safe; we emit standard and accept both). */
export function decodeBase64(value: string): Buffer | null {
  const normalised = value.replace(/-/g, '+').replace(/_/g, '/');
  const padded = normalised + '='.repeat((4 - (normalised.length % 4)) % 4);
  return BASE64.test(padded) ? Buffer.from(padded, 'base64') : null;
}

/** Parses untrusted JSON into an envelope, or returns a reason. */
export function parseEnvelope(value: unknown): { ok: true; envelope: DsseEnvelope } | { ok: false; reason: string } {
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'envelope must be a JSON object' };
  const v = value as Record<string, unknown>;
  if (typeof v['payload'] !== 'string' || decodeBase64(v['payload']) === null) return { ok: false, reason: 'payload must be base64' };
  if (typeof v['payloadType'] !== 'string' || v['payloadType'] === '') return { ok: false, reason: 'payloadType must be a non-empty string' };
  const sigs = v['signatures'];
  if (!Array.isArray(sigs) || sigs.length === 0) return { ok: false, reason: 'signatures must be a non-empty array' };
  const signatures: DsseSignature[] = [];
  for (const s of sigs as unknown[]) {
    if (typeof s !== 'object' || s === null) return { ok: false, reason: 'each signature must be an object' };
    const { keyid, sig } = s as Record<string, unknown>;
    if (typeof sig !== 'string') return { ok: false, reason: 'each signature needs a base64 sig' };
    if (keyid !== undefined && typeof keyid !== 'string') return { ok: false, reason: 'keyid must be a string' };
    signatures.push(keyid === undefined ? { sig } : { keyid, sig });
  }
  return { ok: true, envelope: { payload: v['payload'], payloadType: v['payloadType'], signatures } };
}
