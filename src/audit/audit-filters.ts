import { z } from 'zod';
import { normalizeDigest } from '../../projections/audit-trail/audit-what';
import { ValidationError } from '../errors/app-error';

/** The filters of the audit trail; all given filters must hold (AND). */
export interface AuditFilter {
  readonly tenant?: string;
  /** Normalized (`sha256:<hex>`). */
  readonly subject?: string;
  readonly key?: string;
  /** Hex SHA-256 of a DSSE envelope. */
  readonly envelope?: string;
  readonly actor?: string;
  readonly type?: string;
  /** Inclusive bounds on `occurredAt`, as epoch milliseconds (from RFC 3339 input). */
  readonly from?: number;
  readonly to?: number;
}

export interface AuditQuery extends AuditFilter {
  /** 1–1000. */
  readonly limit: number;
  readonly cursor?: string;
}

const MAX_LIMIT = 1000;
const one = (name: string) => ({ error: (issue: { input: unknown }) => (Array.isArray(issue.input) ? `give ${name} once` : undefined) });
const text = (name: string, max: number) =>
  z.string(one(name)).min(1, `${name} must not be empty`).max(max, `${name} is longer than ${max} characters`);
const rfc3339 = (name: string) =>
  z.iso.datetime({
    offset: true,
    error: (issue) => (Array.isArray(issue.input) ? `give ${name} once` : `${name} must be an RFC 3339 date-time with a time zone, e.g. 2026-03-03T14:00:00Z`),
  });

/** Digest: `<algorithm>:<hex>` or 64 hex characters (SHA-256). */
export const DigestInput = z
  .string(one('subject'))
  .regex(/^(?:[A-Za-z0-9_-]{1,16}:)?[0-9a-fA-F]{16,128}$/, 'subject must be a digest: sha256:<64 hex> (or 64 hex characters), or <algorithm>:<hex>');
const KeyIdInput = z
  .string(one('key'))
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}$/, 'key must be a key id: 1–128 characters from A–Z a–z 0–9 . _ : @ + = -, starting with a letter or digit');

/** The query string of GET /api/v1/audit (and the options of `attestor audit`), as given. */
export const AuditQueryInput = z.strictObject({
  tenant: text('tenant', 128).optional(),
  subject: DigestInput.optional(),
  key: KeyIdInput.optional(),
  envelope: z
    .string(one('envelope'))
    .regex(/^(?:sha256:)?[0-9a-fA-F]{64}$/, 'envelope must be the hex SHA-256 of a DSSE envelope (64 hex characters)')
    .optional(),
  actor: text('actor', 256).optional(),
  type: z
    .string(one('type'))
    .regex(/^[A-Z][A-Za-z0-9]{0,127}$/, 'type must be an event type name in PascalCase, e.g. EnvelopeSigned')
    .optional(),
  from: rfc3339('from').optional(),
  to: rfc3339('to').optional(),
  limit: z
    .string(one('limit'))
    .regex(/^\d{1,4}$/, `limit must be an integer from 1 to ${MAX_LIMIT}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_LIMIT, `limit must be an integer from 1 to ${MAX_LIMIT}`)
    .optional(),
  cursor: z
    .string(one('cursor'))
    .regex(/^[A-Za-z0-9_-]{1,2048}$/, 'cursor must be the opaque value returned as `cursor` by the previous page')
    .optional(),
});
export type AuditQueryInput = z.input<typeof AuditQueryInput>;

/** Validates raw filters (query string or CLI options) into a query; a bad filter is a ValidationError naming it. */
export function parseAuditQuery(raw: unknown, defaultLimit = 100): AuditQuery {
  const parsed = AuditQueryInput.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) =>
      i.code === 'unrecognized_keys' ? `unknown filter ${i.keys.map((k) => JSON.stringify(k)).join(', ')}: use tenant, subject, key, envelope, actor, type, from, to, limit, cursor` : i.message,
    );
    throw new ValidationError(`invalid audit query: ${problems.join('; ')}`, { problems }, 'invalid_audit_query');
  }
  const q = parsed.data;
  const from = q.from === undefined ? undefined : Date.parse(q.from);
  const to = q.to === undefined ? undefined : Date.parse(q.to);
  if (from !== undefined && to !== undefined && from > to) {
    throw new ValidationError('invalid audit query: from must not be after to', { problems: ['from must not be after to'] }, 'invalid_audit_query');
  }
  return {
    ...(q.tenant === undefined ? {} : { tenant: q.tenant }),
    ...(q.subject === undefined ? {} : { subject: normalizeDigest(q.subject) }),
    ...(q.key === undefined ? {} : { key: q.key }),
    ...(q.envelope === undefined ? {} : { envelope: q.envelope.replace(/^sha256:/, '').toLowerCase() }),
    ...(q.actor === undefined ? {} : { actor: q.actor }),
    ...(q.type === undefined ? {} : { type: q.type }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    limit: q.limit ?? defaultLimit,
  };
}
