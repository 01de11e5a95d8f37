import { createHash, type KeyObject } from 'node:crypto';
import {
  evaluatePolicy,
  policyDigest as digestOfPolicy,
  type VerificationFacts,
  type VerificationPolicy,
} from '../../domain/attestations/verification-policy';
import { VERIFICATION_EVENT_SCHEMA_VERSION, type VerificationPerformed } from '../../domain/attestations/verification.events';
import { streamName } from '../../domain/events/stream-name';
import { canonicalJson } from '../../domain/shared/canonical-json';
import { keyIdentities } from '../../domain/keys/key-algorithm';
import { publicKeyFromPem } from '../../domain/shared/key-cache';
import type { Clock } from '../../domain/shared/clock';
import { envelopeDigest, parseEnvelope, type DsseEnvelope } from '../../domain/signing/dsse-envelope';
import { IN_TOTO_PAYLOAD_TYPE, parseInTotoStatement } from '../../domain/signing/in-toto-statement';
import { verifyDsseSignature } from '../../domain/signing/signature-verification';
import { parseBundle } from '../../domain/transparency/bundle';
import { keyFromPem } from '../../domain/tlog/entry-request';
import { entryBundleJson } from './entry-bundle';
import { verifyBundleWith, type BundleVerification } from '../../domain/transparency/bundle.verify';
import { bundleVerificationFor } from '../../domain/transparency/bundle.batch-verify';
import { ENTRY_CACHE, entryKey, envelopePrefix } from '../../projections/entry-cache/entry-cache.projection';
import type { EntryRef, EntryView } from '../../projections/entry-cache/entry-view';
import { KEY_REGISTRY, type KeyRegistryDocument } from '../../projections/key-registry/key-registry.projection';
import { TRUST_STATE, TRUST_STATE_KEY, type TrustStateDoc } from '../../projections/trust-state/trust-state.projection';
import { NotFoundError, ValidationError } from '../errors/app-error';
import { inject, injectable } from '../injection';
import { METRICS, Metrics } from '../observability/metrics';
import { CLOCK } from '../ports/clock';
import { EVENT_STORE, type EventStore } from '../ports/event-store';
import { READ_MODEL_STORE, type ReadModelStore } from '../ports/read-model-store';
import { eventContext, newEvent, type CommandContext } from '../signing/command-context';
import { VerificationService } from '../signing/verification.service';

/** Injection token of the trusted root offline verifiers need (`() => Record<string, unknown>`): every configured log's key. */
export const TRUSTED_ROOT = Symbol('TrustedRoot');

export interface VerifyCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: string;
}

export interface VerifyResult {
  readonly verified: boolean;
  readonly outcome: 'verified' | 'failed' | 'warned';
  readonly envelopeDigest: string;
  readonly policyDigest: string;
  readonly mode: 'deny' | 'warn';
  readonly checks: readonly VerifyCheck[];
  /** True when this answer came from the cache (same envelope, policy and trust state). */
  readonly cached: boolean;
}

export interface VerifyInput {
  readonly envelope?: unknown;
  readonly bundle?: unknown;
  /** PEM key of a signer not in the key registry. */
  readonly verifier?: string;
}

interface Candidate {
  readonly log: string;
  readonly bundle: Record<string, unknown>;
  readonly loggedAt: string;
  readonly integratedTime: number | null;
}

const CACHE_LIMIT = 10_000;

/**
 * `POST /api/v1/verify`: the signatures against the key registry as of
 * signing time, every transparency-log proof (inclusion, checkpoint, SET,
 * entry↔envelope), and the policy. Every verification is recorded as a
 * `VerificationPerformed` event; results are cached per (envelope, policy,
 * trust state), so a key rotation or revocation invalidates them.
 */
@injectable()
export class AttestationVerifier {
  private readonly cache = new Map<string, Omit<VerifyResult, 'cached'>>();

  constructor(
    @inject(EVENT_STORE) private readonly store: EventStore,
    @inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @inject(VerificationService) private readonly signatures: VerificationService,
    @inject(TRUSTED_ROOT) private readonly trustedRoot: () => Record<string, unknown>,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(METRICS) private readonly metrics: Metrics,
  ) {}

  async verify(input: VerifyInput, policy: VerificationPolicy, ctx: CommandContext): Promise<VerifyResult> {
    const end = this.metrics.verifySeconds.startTimer();
    try {
      // A verifier must be a public key or certificate: refused as submission refuses it, not merely "does not verify".
      if (input.verifier !== undefined && keyFromPem(input.verifier) === null) {
        throw new ValidationError('verifier is not a PEM public key or certificate', {}, 'invalid_verifier');
      }
      const { envelope, candidates } = this.candidatesOf(input);
      const digest = envelopeDigest(envelope);
      const pDigest = digestOfPolicy(policy);
      const root = this.trustedRoot();
      // Everything the answer depends on is in the key: the entries as given (a bundle may be tampered with), not only the envelope.
      const evidence = sha(canonicalJson(candidates.map((c) => c.bundle)));
      const cacheKey = `${digest}|${pDigest}|${this.trustVersion()}|${this.rootDigest(root)}|${evidence}|${sha(input.verifier ?? '')}`;
      let result = this.cache.get(cacheKey);
      const hit = result !== undefined;
      if (!result) {
        const evaluated = await this.evaluate(envelope, digest, candidates, input.verifier, policy, pDigest, root);
        result = evaluated.result;
        // An answer that depends on the clock (entry age, or a signing time that is "now") is not reused.
        if (!evaluated.timeDependent) {
          if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
          this.cache.set(cacheKey, result);
        }
      }
      await this.record(envelope, result, ctx);
      return { ...result, cached: hit };
    } finally {
      end();
    }
  }

  private trustVersion(): string {
    return this.readModels.getDocument<TrustStateDoc>(TRUST_STATE, TRUST_STATE_KEY)?.version ?? '0';
  }

  /** The envelope, and one bundle per log entry to check: from the given bundle, or from the entry cache. */
  private candidatesOf(input: VerifyInput): { envelope: DsseEnvelope; candidates: Candidate[] } {
    if ((input.envelope === undefined) === (input.bundle === undefined)) {
      throw new ValidationError('give exactly one of envelope (a DSSE envelope) or bundle (a Sigstore bundle)', {}, 'invalid_request_body');
    }
    if (input.bundle !== undefined) {
      const parsed = parseBundle(input.bundle);
      if (!parsed.ok) throw new ValidationError(`bundle: ${parsed.reason}`, {}, 'invalid_bundle');
      const content = parsed.value.content;
      if (content.$case !== 'dsseEnvelope') throw new ValidationError('bundle must carry a DSSE envelope', {}, 'invalid_bundle');
      const d = content.dsseEnvelope;
      const envelope: DsseEnvelope = {
        payload: d.payload.toString('base64'),
        payloadType: d.payloadType,
        signatures: d.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig.toString('base64') })),
      };
      const entry = parsed.value.verificationMaterial.tlogEntries[0];
      if (entry && !isoFromSeconds(entry.integratedTime)) throw new ValidationError('bundle: integratedTime is not a representable time', {}, 'invalid_bundle');
      return {
        envelope,
        candidates: [
          {
            log: entry ? entry.logId.toString('base64') : 'bundle',
            bundle: input.bundle as Record<string, unknown>,
            loggedAt: entry && entry.integratedTime > 0 ? new Date(entry.integratedTime * 1000).toISOString() : '',
            integratedTime: entry && entry.integratedTime > 0 ? entry.integratedTime : null,
          },
        ],
      };
    }
    const parsed = parseEnvelope(input.envelope);
    if (!parsed.ok) throw new ValidationError(`envelope: ${parsed.reason}`, {}, 'invalid_envelope');
    const envelope = parsed.envelope;
    const refs = this.readModels.listDocuments<EntryRef>(ENTRY_CACHE, { prefix: envelopePrefix(envelopeDigest(envelope)) });
    const candidates = refs.flatMap(({ doc }): Candidate[] => {
      const entry = this.readModels.getDocument<EntryView>(ENTRY_CACHE, entryKey(doc.uuid, doc.log));
      if (!entry) return [];
      return [
        {
          log: entry.log,
          bundle: entryBundleJson(envelope, entry.tlogEntry),
          loggedAt: entry.integratedTime ? new Date(entry.integratedTime * 1000).toISOString() : entry.loggedAt,
          integratedTime: entry.integratedTime,
        },
      ];
    });
    return { envelope, candidates };
  }

  private async evaluate(
    envelope: DsseEnvelope,
    digest: string,
    candidates: readonly Candidate[],
    verifierPem: string | undefined,
    policy: VerificationPolicy,
    pDigest: string,
    trustedRoot: Record<string, unknown>,
  ): Promise<{ result: Omit<VerifyResult, 'cached'>; timeDependent: boolean }> {
    const checks: VerifyCheck[] = [];
    // Signed here: the signing record says when, and which registry revision authorised it.
    // Signed elsewhere: the log's integration time bounds the signing time from above
    // (integratedTime is whole seconds, so the end of that second).
    const integrated = candidates.map((c) => c.integratedTime).find((x): x is number => x !== null);
    const knownTime = integrated !== undefined ? new Date(integrated * 1000 + 999).toISOString() : candidates.find((c) => c.loggedAt)?.loggedAt;
    const signedAt = knownTime ?? this.clock.now();

    const validSigners: { keyId: string | null; keyid: string }[] = [];
    const verdict = await this.signatures.verifySigned(envelope, digest).catch((error: unknown) => {
      if (error instanceof NotFoundError) return this.signatures.verifyAt(envelope, signedAt);
      throw error;
    });
    for (const [i, s] of verdict.signatures.entries()) {
      if (s.valid) {
        validSigners.push({ keyId: s.keyId, keyid: s.keyid });
        checks.push({ name: `signature[${i}]`, ok: true, reason: `key ${s.keyId ?? '?'} v${s.keyVersion ?? '?'} as of ${verdict.signedAt}` });
      } else if (s.reason === 'unknown_keyid' && verifierPem) {
        const sig = envelope.signatures[i]!;
        // A keyid is not signed: one stripped or changed must not turn a registered key into an
        // unknown one. If the given verifier is a registered key — under any of its fingerprints:
        // canonical, or as given (versions recorded before PEMs were stored canonical) — the registry
        // judges the signature (rotation, revocation as of signing time); only a key the registry
        // never held is taken on trust.
        const identities = keyIdentities(verifierPem);
        const fingerprint = identities[0] ?? '';
        const registered = await this.signatures.verifyByRegisteredKey(envelope, i, identities, verdict.signedAt);
        if (registered) {
          if (registered.valid) validSigners.push({ keyId: registered.keyId, keyid: registered.keyid });
          checks.push({
            name: `signature[${i}]`,
            ok: registered.valid,
            reason: registered.valid
              ? `key ${registered.keyId ?? '?'} v${registered.keyVersion ?? '?'} as of ${verdict.signedAt} (the given verifier is this registered key)`
              : `${registered.reason ?? 'invalid'}: ${registered.message ?? ''} (the given verifier is registered key ${registered.keyId ?? '?'})`.trim(),
          });
          continue;
        }
        const ok = verifyDsseSignature(envelope, sig, verifierPem);
        // Counted under the fingerprint of the key that verified, not the keyid the envelope claims.
        if (ok) validSigners.push({ keyId: null, keyid: fingerprint });
        checks.push({ name: `signature[${i}]`, ok, ...(ok ? { reason: 'verified with the given verifier key' } : { reason: 'does not verify with the given verifier key' }) });
      } else {
        checks.push({ name: `signature[${i}]`, ok: false, reason: `${s.reason ?? 'invalid'}: ${s.message ?? ''}`.trim() });
      }
    }

    // Transparency-log proofs: our own verifier, on each entry as a bundle.
    const verifiedLogs: string[] = [];
    const loggedAt: string[] = [];
    if (candidates.length === 0) checks.push({ name: 'tlog', ok: false, reason: 'no transparency-log entry is known for this envelope' });
    const publicKey = this.publicKeyFor(envelope, verifierPem);
    const how = this.bundleVerification(trustedRoot);
    for (const c of candidates) {
      const result = verifyBundleWith(c.bundle, undefined, { ...(publicKey ? { publicKey } : {}), now: new Date(Date.parse(this.clock.now())) }, how);
      const tlogChecks = result.checks.filter((k) => k.name.startsWith('tlog') || k.name === 'bundle.parse' || k.name === 'trusted-root.parse');
      for (const k of tlogChecks) checks.push({ name: `${c.log}:${k.name}`, ok: k.ok, ...(k.reason ? { reason: k.reason } : {}) });
      if (tlogChecks.length > 0 && tlogChecks.every((k) => k.ok)) {
        verifiedLogs.push(c.log);
        if (c.loggedAt) loggedAt.push(c.loggedAt);
      }
    }
    const envelopeMatches = candidates.length > 0;
    if (envelopeMatches) checks.push({ name: 'envelope-entry-match', ok: checks.filter((k) => /tlog(\[\d+\])?\.body$/.test(k.name)).every((k) => k.ok) });

    // One key signing twice is one signer.
    const distinctSigners = [...new Map(validSigners.map((v) => [v.keyid, v])).values()];
    const facts: VerificationFacts = { verifiedLogs, validSigners: distinctSigners, loggedAt, issuers: [], witnessCosignatures: null };
    const policyChecks = evaluatePolicy(policy, facts, this.clock.now());
    const crypto = checks.every((k) => k.ok);
    const policyOk = policyChecks.every((k) => k.ok);
    const outcome = !crypto ? 'failed' : policyOk ? 'verified' : policy.mode === 'warn' ? 'warned' : 'failed';
    return {
      result: {
        verified: outcome !== 'failed',
        outcome,
        envelopeDigest: digest,
        policyDigest: pDigest,
        mode: policy.mode,
        checks: [...checks, ...policyChecks],
      },
      timeDependent: knownTime === undefined || policy.maxEntryAgeSeconds !== undefined,
    };
  }

  /** The trusted root's digest, computed once per root (it is fixed for the process, but a getter). */
  private rootDigest(root: Record<string, unknown>): string {
    let digest = this.rootDigests.get(root);
    if (digest === undefined) {
      digest = sha(canonicalJson(root));
      this.rootDigests.set(root, digest);
    }
    return digest;
  }

  private readonly rootDigests = new WeakMap<Record<string, unknown>, string>();

  /** `verifyBundle` with the trusted root parsed once per root, and checkpoints and entry keys remembered between requests. */
  private bundleVerification(root: Record<string, unknown>): BundleVerification {
    let how = this.bundleVerifications.get(root);
    if (how === undefined) {
      how = bundleVerificationFor(root);
      this.bundleVerifications.set(root, how);
    }
    return how;
  }

  private readonly bundleVerifications = new WeakMap<Record<string, unknown>, BundleVerification>();

  /** The public key a managed-key bundle is verified with: the given PEM, or the registered key of the signature's keyid. */
  private publicKeyFor(envelope: DsseEnvelope, verifierPem: string | undefined): KeyObject | null {
    const keyid = envelope.signatures[0]?.keyid ?? '';
    for (const { doc } of this.readModels.listDocuments<KeyRegistryDocument>(KEY_REGISTRY)) {
      const v = doc.versions.find((x) => x.fingerprint === keyid);
      if (v) return publicKeyFromPem(v.publicKeyPem);
    }
    // verify() has already refused a verifier that is not a public key or certificate.
    return verifierPem ? keyFromPem(verifierPem) : null;
  }

  private async record(envelope: DsseEnvelope, result: Omit<VerifyResult, 'cached'>, ctx: CommandContext): Promise<void> {
    const now = this.clock.now();
    const event: VerificationPerformed = {
      type: 'VerificationPerformed',
      data: {
        subject: subjectOf(envelope) ?? `sha256:${result.envelopeDigest}`,
        envelopeDigest: result.envelopeDigest,
        policyDigest: result.policyDigest,
        outcome: result.outcome,
        failedChecks: result.checks.filter((c) => !c.ok).map((c) => c.name),
        verifiedAt: now,
      },
    };
    await this.store.append(streamName('verification', result.envelopeDigest), [newEvent(event, VERIFICATION_EVENT_SCHEMA_VERSION, eventContext(ctx, now))], {
      expectedRevision: 'any',
    });
  }
}

function subjectOf(envelope: DsseEnvelope): string | null {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return null;
  const s = parseInTotoStatement(Buffer.from(envelope.payload, 'base64'));
  const digest = s.ok ? s.statement.subject[0]?.digest['sha256'] : undefined;
  return digest ? `sha256:${digest}` : null;
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Hex SHA-256 of the DER SubjectPublicKeyInfo: the fingerprint keys are known by. */

/** RFC 3339 for seconds since the epoch, or null when out of JavaScript's date range. */
function isoFromSeconds(seconds: number): string | null {
  const ms = seconds * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}
