import { z } from 'zod';
import { canonicalJson } from '../shared/canonical-json';
import { sha256Hex } from '../shared/sha256';

/**
 * A verification policy: a versioned document saying what, beyond valid
 * cryptography, an attestation must show. In `warn` mode a policy failure is
 * reported but does not fail the verification; cryptographic failures always do.
 */
export const VerificationPolicySchema = z.strictObject({
  version: z.literal(1, { error: 'policy version must be 1' }),
  /** Names of configured logs (or base64 log IDs) that must hold an entry. */
  requiredLogs: z.array(z.string().min(1)).default([]),
  minSignatures: z.number().int().min(1).max(16).default(1),
  /** Registry key ids or DSSE keyids (fingerprints) allowed to sign; empty: any registered key. */
  allowedKeyIds: z.array(z.string().min(1)).default([]),
  /** Certificate issuers allowed (keyless); checked when a certificate is present. */
  allowedIssuers: z.array(z.string().min(1)).default([]),
  /** The entry must have been logged at most this long ago. */
  maxEntryAgeSeconds: z.number().int().positive().optional(),
  /** Witness cosignatures required on the checkpoint; fails while no witness keys are configured to check them. */
  requiredWitnesses: z.number().int().min(0).default(0),
  mode: z.enum(['deny', 'warn']).default('deny'),
});

export type VerificationPolicy = z.infer<typeof VerificationPolicySchema>;

export const DEFAULT_POLICY: VerificationPolicy = VerificationPolicySchema.parse({ version: 1 });

/** The digest that names a policy in events and caches: SHA-256 of its canonical JSON with defaults filled in. */
export function policyDigest(policy: VerificationPolicy): string {
  return sha256Hex(canonicalJson(policy));
}

/** What the verifier established, as plain facts for the policy to judge. */
export interface VerificationFacts {
  /** Logs (names, and base64 log IDs) whose entry verified. */
  readonly verifiedLogs: readonly string[];
  /** Signatures that verified, with who made them. */
  readonly validSigners: readonly { readonly keyId: string | null; readonly keyid: string }[];
  /** Integration (or logging) times of verified entries, RFC 3339. */
  readonly loggedAt: readonly string[];
  readonly issuers: readonly string[];
  readonly witnessCosignatures: number | null;
}

export interface PolicyCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: string;
}

/** Judges facts against a policy; pure, `now` is an argument. */
export function evaluatePolicy(policy: VerificationPolicy, facts: VerificationFacts, now: string): PolicyCheck[] {
  const checks: PolicyCheck[] = [];
  for (const log of policy.requiredLogs) {
    const ok = facts.verifiedLogs.includes(log);
    checks.push({ name: `policy.required-log:${log}`, ok, ...(ok ? {} : { reason: `no verified entry in log ${log}` }) });
  }
  const allowed = (s: { keyId: string | null; keyid: string }): boolean =>
    policy.allowedKeyIds.length === 0 || policy.allowedKeyIds.includes(s.keyid) || (s.keyId !== null && policy.allowedKeyIds.includes(s.keyId));
  const counted = facts.validSigners.filter(allowed).length;
  checks.push({
    name: 'policy.min-signatures',
    ok: counted >= policy.minSignatures,
    ...(counted >= policy.minSignatures ? {} : { reason: `${counted} valid signature(s) from allowed keys, policy needs ${policy.minSignatures}` }),
  });
  if (policy.allowedIssuers.length > 0) {
    // A requirement that cannot be checked is not met: no certificate issuer was established.
    const bad = facts.issuers.filter((i) => !policy.allowedIssuers.includes(i));
    const ok = facts.issuers.length > 0 && bad.length === 0;
    checks.push({
      name: 'policy.allowed-issuers',
      ok,
      ...(ok ? {} : { reason: facts.issuers.length === 0 ? 'policy names allowed issuers, but no certificate issuer could be established for this envelope' : `issuer ${bad.join(', ')} is not allowed` }),
    });
  }
  if (policy.maxEntryAgeSeconds !== undefined) {
    const newest = Math.max(...facts.loggedAt.map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t)));
    const age = (Date.parse(now) - newest) / 1000;
    const ok = Number.isFinite(age) && age <= policy.maxEntryAgeSeconds;
    checks.push({ name: 'policy.max-entry-age', ok, ...(ok ? {} : { reason: Number.isFinite(age) ? `newest entry is ${Math.round(age)} s old, policy allows ${policy.maxEntryAgeSeconds} s` : 'no entry time to judge freshness by' }) });
  }
  if (policy.requiredWitnesses > 0) {
    if (facts.witnessCosignatures === null) {
      // A requirement that cannot be checked is not met.
      checks.push({ name: 'policy.witnesses', ok: false, reason: `policy needs ${policy.requiredWitnesses} witness cosignature(s), but no witness keys are configured to check them` });
    } else {
      const ok = facts.witnessCosignatures >= policy.requiredWitnesses;
      checks.push({ name: 'policy.witnesses', ok, ...(ok ? {} : { reason: `${facts.witnessCosignatures} witness cosignature(s), policy needs ${policy.requiredWitnesses}` }) });
    }
  }
  return checks;
}
