import { Router } from 'express';
import { z } from 'zod';
import type { ReplayedReadModel } from '../../audit/replay';
import { describeAsOf, type ResolvedAsOf } from '../../audit/as-of';
import { NotFoundError } from '../../errors/app-error';
import type { ReadModelStore } from '../../ports/read-model-store';
import { afterParam, LimitParam, parse } from '../request-input';

const PageQuery = z.strictObject({
  limit: LimitParam.optional(),
  after: afterParam(1024).optional(),
  prefix: z.string({ error: 'give prefix once' }).min(1).max(1024).optional(),
});

export interface ReplayRoutesDeps {
  /** The scratch read models the replay folded (never the live ones). */
  readonly readModels: ReadModelStore;
  readonly at: ResolvedAsOf;
  readonly models: readonly ReplayedReadModel[];
}

/**
 * `attestor replay --as-of P --serve`: the read models as they stood at P,
 * read-only, for an auditor's tools. Documents are listed in key order, a page
 * at a time; keys are those the projections write (e.g. `uuid:<uuid>:<log>`
 * in the entry cache, the key id in the key registry).
 */
export function replayRoutes(deps: ReplayRoutesDeps): Router {
  const router = Router();
  const known = new Map(deps.models.map((m) => [m.projection, m]));
  const projection = (name: string): ReplayedReadModel => {
    const m = known.get(name);
    if (m === undefined) throw new NotFoundError(`no read model named ${name} in this replay; known: ${[...known.keys()].join(', ')}`, {}, 'read_model_not_found');
    return m;
  };

  router.get('/api/v1/replay', (_req, res) => {
    res.json({
      description: describeAsOf(deps.at),
      asOf: deps.at.asOf.kind === 'time' ? deps.at.asOf.time : deps.at.asOf.position.toString(),
      position: deps.at.position.commit.toString(),
      head: deps.at.head.commit.toString(),
      readModels: deps.models,
    });
  });

  router.get('/api/v1/replay/read-models/:projection', (req, res) => {
    const m = projection(req.params.projection);
    const query = parse(PageQuery, req.query);
    const limit = query.limit ?? 100;
    const page = deps.readModels.listDocuments(m.projection, {
      limit,
      ...(query.after === undefined ? {} : { after: query.after }),
      ...(query.prefix === undefined ? {} : { prefix: query.prefix }),
    });
    res.json({ projection: m.projection, documents: page, next: page.length === limit ? (page.at(-1)?.key ?? null) : null });
  });

  router.get('/api/v1/replay/read-models/:projection/documents/:key', (req, res) => {
    const m = projection(req.params.projection);
    const doc = deps.readModels.getDocument(m.projection, req.params.key);
    if (doc === null) throw new NotFoundError(`read model ${m.projection} held no document ${req.params.key} ${describeAsOf(deps.at)}`, {}, 'document_not_found');
    res.json({ projection: m.projection, key: req.params.key, doc });
  });

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return router;
}
