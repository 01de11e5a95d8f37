export const VERIFICATION_EVENT_SCHEMA_VERSION = 1;

/** One verification and its outcome, kept so an auditor can see what was checked, when, under which policy. */
export interface VerificationPerformed {
  readonly type: 'VerificationPerformed';
  readonly data: {
    /** The first subject digest (`sha256:<hex>`), or the envelope digest when there is no subject. */
    readonly subject: string;
    readonly envelopeDigest: string;
    readonly policyDigest: string;
    readonly outcome: 'verified' | 'failed' | 'warned';
    readonly failedChecks: readonly string[];
    readonly verifiedAt: string;
  };
}
