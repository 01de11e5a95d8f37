export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

export interface StatementSubject {
  readonly name: string;
  /** Algorithm → lower-case hex digest, e.g. `{ sha256: '…' }`. */
  readonly digest: Readonly<Record<string, string>>;
}

export interface InTotoStatement {
  readonly _type: string;
  readonly subject: readonly StatementSubject[];
  readonly predicateType: string;
  readonly predicate?: unknown;
}

export type StatementParse = { ok: true; statement: InTotoStatement } | { ok: false; reason: string };

const HEX = /^[0-9a-fA-F]+$/;
const DIGEST_LENGTHS: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128, sha1: 40, sha224: 56, 'sha512_256': 64, gitCommit: 40 };

/**
 * Parses and checks an in-toto Statement v1 (in-toto/attestation spec/v1/statement.md):
 * `_type`, a non-empty subject list whose entries carry at least one digest, a predicateType.
 */
export function parseInTotoStatement(bytes: Uint8Array): StatementParse {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `payload is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'statement must be a JSON object' };
  const v = value as Record<string, unknown>;
  if (v['_type'] !== IN_TOTO_STATEMENT_V1) return { ok: false, reason: `_type must be ${IN_TOTO_STATEMENT_V1}` };
  if (typeof v['predicateType'] !== 'string' || v['predicateType'] === '') return { ok: false, reason: 'predicateType must be a non-empty URI' };
  const subjects = v['subject'];
  if (!Array.isArray(subjects) || subjects.length === 0) return { ok: false, reason: 'subject must be a non-empty array' };
  const parsed: StatementSubject[] = [];
  for (const [i, s] of (subjects as unknown[]).entries()) {
    if (typeof s !== 'object' || s === null) return { ok: false, reason: `subject[${i}] must be an object` };
    const { name, digest } = s as Record<string, unknown>;
    if (name !== undefined && typeof name !== 'string') return { ok: false, reason: `subject[${i}].name must be a string` };
    if (typeof digest !== 'object' || digest === null || Object.keys(digest).length === 0) {
      return { ok: false, reason: `subject[${i}].digest must map an algorithm to a hex digest` };
    }
    const digests: Record<string, string> = {};
    for (const [algorithm, hex] of Object.entries(digest as Record<string, unknown>)) {
      if (typeof hex !== 'string' || !HEX.test(hex)) return { ok: false, reason: `subject[${i}].digest.${algorithm} must be hex` };
      // "__proto__" would be dropped by the assignment below, silently losing the digest.
      if (algorithm === '__proto__') return { ok: false, reason: `subject[${i}].digest.__proto__ is not a digest algorithm` };
      const expected = Object.hasOwn(DIGEST_LENGTHS, algorithm) ? DIGEST_LENGTHS[algorithm] : undefined;
      if (expected !== undefined && hex.length !== expected) {
        return { ok: false, reason: `subject[${i}].digest.${algorithm} must be ${expected} hex characters` };
      }
      digests[algorithm] = hex.toLowerCase();
    }
    parsed.push({ name: name ?? '', digest: digests });
  }
  return { ok: true, statement: { _type: IN_TOTO_STATEMENT_V1, subject: parsed, predicateType: v['predicateType'], predicate: v['predicate'] } };
}
