import type { Result } from './result';

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

/** A list of checks and the one way to add a result to it (shared by both bundle verifiers). */
export function checkList(): { readonly checks: Check[]; readonly add: (name: string, result: Result<unknown>, note?: string) => void } {
  const checks: Check[] = [];
  return {
    checks,
    add: (name, result, note) => {
      checks.push(checkOf(name, result, note));
    },
  };
}

/** One check from a step's result; a passed step may carry a note saying what was verified. */
export function checkOf(name: string, result: Result<unknown>, note?: string): Check {
  if (!result.ok) return { name, ok: false, reason: result.reason };
  return note ? { name, ok: true, reason: note } : { name, ok: true };
}

export function verdictOf(checks: readonly Check[]): Verdict {
  return { verified: checks.length > 0 && checks.every((c) => c.ok), checks };
}

/** The first failed check, for one-line error messages. */
export function firstFailure(verdict: Verdict): Check | undefined {
  return verdict.checks.find((c) => !c.ok);
}
