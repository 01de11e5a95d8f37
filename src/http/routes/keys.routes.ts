import { foldInMemory } from '../../projections-runtime/fold-batch';
import { Router } from 'express';
import { z } from 'zod';
import { keyRegistryProjection, KEY_REGISTRY, type KeyRegistryDocument } from '../../../projections/key-registry/key-registry.projection';
import type { EventStore } from '../../ports/event-store';
import type { ReadModelStore } from '../../ports/read-model-store';
import type { KeyService } from '../../signing/key.service';
import { afterParam, contextOf, LimitParam, parse } from '../request-input';
import { keyStream } from '../../signing/key-stream';

const ImportBody = z.strictObject({ privateKeyPem: z.string().min(1).optional(), reference: z.string().min(1).max(2048).optional() });
const CreateBody = z.strictObject({
  keyId: z.string().optional(),
  name: z.string(),
  provider: z.string(),
  algorithm: z.string().optional(),
  import: ImportBody.optional(),
});
const RotateBody = z.strictObject({ import: ImportBody.optional() });
const RevokeBody = z.strictObject({
  version: z.union([z.number().int().positive(), z.literal('all')]),
  reason: z.string(),
  effectiveAt: z.string().optional(),
});

const ListQuery = z.strictObject({ limit: LimitParam.optional(), after: afterParam(256).optional() });

export interface KeysRoutesDeps {
  readonly keys: KeyService;
  readonly store: EventStore;
  /** The key registry read model; without it (or while it lags) documents are folded from the stream. */
  readonly readModels?: ReadModelStore;
}

/**
 * POST /api/v1/keys, GET /api/v1/keys, GET /api/v1/keys/{id},
 * POST /api/v1/keys/{id}/rotate, POST /api/v1/keys/{id}/revoke.
 */
export function keysRoutes(deps: KeysRoutesDeps): Router {
  const router = Router();

  router.post('/api/v1/keys', async (req, res) => {
    const body = parse(CreateBody, req.body);
    const key = await deps.keys.create(
      {
        name: body.name,
        provider: body.provider,
        ...(body.keyId === undefined ? {} : { keyId: body.keyId }),
        ...(body.algorithm === undefined ? {} : { algorithm: body.algorithm }),
        ...(body.import === undefined ? {} : { import: definedOnly(body.import) }),
      },
      contextOf(req, res),
    );
    res.status(201).location(`/api/v1/keys/${encodeURIComponent(key.keyId)}`);
    res.json(await document(deps, key.keyId));
  });

  router.get('/api/v1/keys', async (req, res) => {
    const query = parse(ListQuery, req.query);
    const limit = query.limit ?? 100;
    const after = query.after;
    let items: KeyRegistryDocument[];
    if (deps.readModels) {
      items = deps.readModels.listDocuments<KeyRegistryDocument>(KEY_REGISTRY, { limit, ...(after ? { after } : {}) }).map((d) => d.doc);
    } else {
      const all = [...foldInMemory(keyRegistryProjection, await deps.store.readAll({ filter: { streamPrefixes: ['key-'] } })).values()].sort((a, b) => (a.keyId < b.keyId ? -1 : 1));
      items = all.filter((d) => after === undefined || d.keyId > after).slice(0, limit);
    }
    res.json({ items: items.map(publicView), next: items.length === limit ? items[items.length - 1]?.keyId ?? null : null });
  });

  router.get('/api/v1/keys/:id', async (req, res) => {
    res.json(await document(deps, req.params['id'] ?? ''));
  });

  router.post('/api/v1/keys/:id/rotate', async (req, res) => {
    const body = parse(RotateBody, req.body ?? {});
    const key = await deps.keys.rotate(req.params['id'] ?? '', body.import === undefined ? {} : { import: definedOnly(body.import) }, contextOf(req, res));
    res.json(await document(deps, key.keyId));
  });

  router.post('/api/v1/keys/:id/revoke', async (req, res) => {
    const body = parse(RevokeBody, req.body);
    const key = await deps.keys.revoke(
      req.params['id'] ?? '',
      { version: body.version, reason: body.reason, ...(body.effectiveAt === undefined ? {} : { effectiveAt: body.effectiveAt }) },
      contextOf(req, res),
    );
    res.json(await document(deps, key.keyId));
  });

  return router;
}

/** The registry document of one key: the read model when it has caught up with the stream, else folded from the stream. */
async function document(deps: KeysRoutesDeps, keyId: string): Promise<ReturnType<typeof publicView>> {
  const record = await deps.keys.get(keyId); // validates the id, 404s an unknown key
  const fromReadModel = deps.readModels?.getDocument<KeyRegistryDocument>(KEY_REGISTRY, record.keyId);
  if (fromReadModel && Number(fromReadModel.revision) === record.eventCount - 1) return publicView(fromReadModel);
  const folded = foldInMemory(keyRegistryProjection, await deps.store.readStream(keyStream(record.keyId))).get(record.keyId);
  if (folded === undefined) throw new Error(`key ${record.keyId} folded to nothing`);
  return publicView(folded);
}

function publicView(doc: KeyRegistryDocument) {
  return {
    keyId: doc.keyId,
    name: doc.name,
    provider: doc.provider,
    algorithm: doc.algorithm,
    origin: doc.origin,
    status: doc.status,
    activeVersion: doc.activeVersion,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    versions: doc.versions.map((v) => ({
      version: v.version,
      status: v.status,
      fingerprint: v.fingerprint,
      publicKeyPem: v.publicKeyPem,
      providerRef: v.providerRef,
      activatedAt: v.activatedAt,
      retiredAt: v.retiredAt,
      revocation: v.revocation,
    })),
  };
}

function definedOnly(value: { privateKeyPem?: string | undefined; reference?: string | undefined }): { privateKeyPem?: string; reference?: string } {
  return {
    ...(value.privateKeyPem === undefined ? {} : { privateKeyPem: value.privateKeyPem }),
    ...(value.reference === undefined ? {} : { reference: value.reference }),
  };
}
