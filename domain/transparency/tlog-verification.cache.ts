import type { Checkpoint } from './checkpoint';
import type { Result } from './result';
import type { DecodedVerifier } from './tlog-body.match';
import type { TlogVerificationCache } from './tlog-entry.verify';
import type { TransparencyLog } from './trusted-root';

/**
 * A bounded `TlogVerificationCache` (for `BundleBatchVerifier` and POST /api/v1/verify):
 *
 * - a checkpoint (its signed-note text, per log) is verified once, so bundles
 *   proven against the same checkpoint share one signature verification; the
 *   least recently used is dropped first, from the log holding the most;
 * - each verifier PEM/DER found in entry bodies is decoded once (the table is
 *   emptied when full: keys are few).
 *
 * Checkpoints are remembered per `TransparencyLog` object, so a memo belongs
 * with one parsed trusted root. Holds public material only. Not safe for
 * concurrent use from several threads.
 *
 * A memo may live as long as the service (POST /api/v1/verify keeps one per
 * trusted root) and its inputs come from whoever sends a bundle, so only
 * successes are remembered (a verified checkpoint needs a trusted log's
 * signature; a decoded key is a real key), and inputs longer than any real
 * note or key are never kept: at most ~4 MiB of checkpoints and ~32 MiB of
 * keys, whatever is sent.
 */
export class TlogVerificationMemo implements TlogVerificationCache {
  /** Verified checkpoints by log, then by note text; least recently used first. */
  private readonly checkpoints = new Map<TransparencyLog, Map<string, Result<Checkpoint>>>();
  private checkpointCount = 0;
  private readonly checkpointLimit: number;
  /** Verifier keys found in entry bodies: PEM texts (Rekor v1) and base64 DER (Rekor v2). */
  private readonly pemKeys = new Map<string, Result<DecodedVerifier>>();
  private readonly derKeys = new Map<string, Result<DecodedVerifier>>();

  /** `checkpointLimit`: verified checkpoints kept (default 1024). */
  constructor(checkpointLimit = 1024) {
    this.checkpointLimit = Math.max(1, checkpointLimit);
  }

  checkpoint(envelope: string, log: TransparencyLog, verify: (envelope: string, log: TransparencyLog) => Result<Checkpoint>): Result<Checkpoint> {
    let ofLog = this.checkpoints.get(log);
    if (ofLog === undefined) {
      ofLog = new Map();
      this.checkpoints.set(log, ofLog);
    }
    const cached = ofLog.get(envelope);
    if (cached !== undefined) {
      ofLog.delete(envelope);
      ofLog.set(envelope, cached);
      return cached;
    }
    const result = verify(envelope, log);
    if (!result.ok || envelope.length > MAX_REMEMBERED_INPUT) return result;
    ofLog.set(envelope, result);
    if (++this.checkpointCount > this.checkpointLimit) {
      // Over the limit: drop the oldest checkpoint of the log holding the most (logs are few), so
      // one busy log cannot keep every other log's checkpoints out of the cache.
      let fullest = ofLog;
      for (const m of this.checkpoints.values()) if (m.size > fullest.size) fullest = m;
      const oldest = fullest.keys().next();
      if (!oldest.done) {
        fullest.delete(oldest.value);
        this.checkpointCount--;
      }
    }
    return result;
  }

  pemVerifier(pem: string, decode: (pem: string) => Result<DecodedVerifier>): Result<DecodedVerifier> {
    return remembered(this.pemKeys, pem, pem, decode);
  }

  derVerifier(der: Buffer, decode: (der: Buffer) => Result<DecodedVerifier>): Result<DecodedVerifier> {
    return remembered(this.derKeys, der.toString('base64'), der, decode);
  }
}

/** Real checkpoint notes and keys are well under 2 KiB (an RSA-4096 PEM is ~800 bytes). */
const MAX_REMEMBERED_INPUT = 4096;

function remembered<T>(table: Map<string, Result<DecodedVerifier>>, key: string, input: T, decode: (input: T) => Result<DecodedVerifier>): Result<DecodedVerifier> {
  let decoded = table.get(key);
  if (decoded === undefined) {
    decoded = decode(input);
    if (!decoded.ok || key.length > MAX_REMEMBERED_INPUT) return decoded;
    if (table.size >= 4096) table.clear();
    table.set(key, decoded);
  }
  return decoded;
}
