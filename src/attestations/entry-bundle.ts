import type { DsseEnvelope } from '../../domain/signing/dsse-envelope';
import { BUNDLE_V03_MEDIA_TYPE } from '../../domain/transparency/bundle';

/**
 * The v0.3 Sigstore bundle (proto-JSON) of a DSSE envelope and the tlog entry
 * an `EntryLogged` event recorded for it (already proto-JSON): what the submit
 * API returns and what verification checks a logged entry as.
 */
export function entryBundleJson(envelope: DsseEnvelope, tlogEntry: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const signature = envelope.signatures[0];
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: signature?.keyid ?? '' }, tlogEntries: [tlogEntry] },
    dsseEnvelope: { payload: envelope.payload, payloadType: envelope.payloadType, signatures: [{ sig: signature?.sig ?? '', keyid: signature?.keyid ?? '' }] },
  };
}
