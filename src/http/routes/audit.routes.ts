import { Router, type Request } from 'express';
import { z } from 'zod';
import { normalizeDigest } from '../../../projections/audit-trail/audit-what';
import { AUDIT_TRAIL } from '../../../projections/audit-trail/audit-trail.projection';
import { parseAuditQuery, type AuditQuery } from '../../audit/audit-filters';
import { auditRecordsAsOf, keyRegistryAsOf } from '../../audit/audit-as-of';
import { queryAudit } from '../../audit/audit-query';
import { parseAsOf, resolveAsOf } from '../../audit/as-of';
import { DigestInput } from '../../audit/audit-filters';
import { NotFoundError, ValidationError } from '../../errors/app-error';
import type { EventStore } from '../../ports/event-store';
import type { ReadModelStore } from '../../ports/read-model-store';

export interface AuditRoutesDeps {
  readonly store: EventStore;
  /** The live read models (the audit-trail read model is the one read). */
  readonly readModels: ReadModelStore;
}

const AsOfInput = z
  .strictObject({
    at: z.string({ error: (i) => (i.input === undefined ? 'at is required: an RFC 3339 date-time or a global position' : 'give at once') }),
    subject: DigestInput.optional(),
    key: z
      .string({ error: () => 'give key once' })
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}$/, 'key must be a key id: 1–128 characters from A–Z a–z 0–9 . _ : @ + = -, starting with a letter or digit')
      .optional(),
    limit: z
      .string({ error: () => 'give limit once' })
      .regex(/^\d{1,4}$/, 'limit must be an integer from 1 to 1000')
      .transform(Number)
      .refine((n) => n >= 1 && n <= 1000, 'limit must be an integer from 1 to 1000')
      .optional(),
    cursor: z
      .string({ error: () => 'give cursor once' })
      .regex(/^[A-Za-z0-9_-]{1,2048}$/, 'cursor must be the opaque value returned as `cursor` by the previous page')
      .optional(),
  })
  .refine((q) => (q.subject === undefined) !== (q.key === undefined), { message: 'give exactly one of subject or key' });

/**
 * GET /api/v1/audit — the audit trail, filtered (tenant, subject, key,
 * envelope, actor, type, from/to) and paged by an opaque cursor.
 * GET /api/v1/audit/as-of?at=…&subject=…|key=… — one subject's or one key's
 * history as it stood at a time or position.
 */
export function auditRoutes(deps: AuditRoutesDeps): Router {
  const router = Router();

  router.get('/api/v1/audit', (req, res) => {
    const query = parseAuditQuery(req.query);
    const page = queryAudit(deps.readModels, query);
    const checkpoint = deps.readModels.checkpoint(AUDIT_TRAIL);
    const next = page.cursor === null ? null : `/api/v1/audit?${nextQuery(req, query, page.cursor)}`;
    if (next !== null) res.setHeader('Link', `<${next}>; rel="next"`);
    res.json({ items: page.items, cursor: page.cursor, next, position: (checkpoint?.position.commit ?? 0n).toString() });
  });

  router.get('/api/v1/audit/as-of', async (req, res) => {
    const parsed = AsOfInput.safeParse(req.query);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) =>
        i.code === 'unrecognized_keys' ? `unknown parameter ${i.keys.map((k) => JSON.stringify(k)).join(', ')}: use at, subject or key, limit, cursor` : i.message,
      );
      throw new ValidationError(`invalid as-of query: ${problems.join('; ')}`, { problems }, 'invalid_as_of');
    }
    const q = parsed.data;
    const at = await resolveAsOf(deps.store, parseAsOf(q.at));
    const page = { limit: q.limit ?? 100, ...(q.cursor === undefined ? {} : { cursor: q.cursor }) };
    const base = { at: q.at, position: at.position.commit.toString(), head: at.head.commit.toString() };
    if (q.subject !== undefined) {
      const subject = normalizeDigest(q.subject);
      const records = await auditRecordsAsOf(deps.store, deps.readModels, at, { subject }, page);
      res.json({ ...base, subject, records: records.items, cursor: records.cursor });
      return;
    }
    const key = q.key ?? '';
    const registry = await keyRegistryAsOf(deps.store, key, at);
    if (registry === undefined) throw new NotFoundError(`no key ${JSON.stringify(key)} in the ledger`, { keyId: key }, 'key_not_found');
    const records = await auditRecordsAsOf(deps.store, deps.readModels, at, { key }, page);
    res.json({ ...base, key, registry, records: records.items, cursor: records.cursor });
  });

  return router;
}

/** The same filters as the request, with the next cursor. */
function nextQuery(req: Request, query: AuditQuery, cursor: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(req.query)) if (name !== 'cursor' && typeof value === 'string') params.set(name, value);
  params.set('limit', String(query.limit));
  params.set('cursor', cursor);
  return params.toString();
}
