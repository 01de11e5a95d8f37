/** One named step of a verification, so a failure says which step failed and why. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: string;
}

export interface Verdict {
  readonly verified: boolean;
  readonly checks: readonly Check[];
}

export function verdictOf(checks: readonly Check[]): Verdict {
  return { verified: checks.length > 0 && checks.every((c) => c.ok), checks };
}

/** The first failed check, for one-line error messages. */
export function firstFailure(verdict: Verdict): Check | undefined {
  return verdict.checks.find((c) => !c.ok);
}
