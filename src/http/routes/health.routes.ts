import { Router } from 'express';
import type { EventStore } from '../../ports/event-store';
import type { ProjectionRunner } from '../../projections-runtime/projection-runner';
import type { Metrics } from '../../observability/metrics';

/** /healthz: the process answers. /readyz: the store answers and projections are caught up. /metrics. */
export function healthRoutes(deps: { store: EventStore; runners: readonly ProjectionRunner[]; metrics: Metrics; maxLag: number }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks: { name: string; ok: boolean; detail?: string }[] = [];
    let head = 0n;
    try {
      await deps.store.ping();
      head = (await deps.store.headPosition()).commit;
      checks.push({ name: 'event-store', ok: true });
    } catch (err) {
      checks.push({ name: 'event-store', ok: false, detail: err instanceof Error ? err.message : String(err) });
    }
    for (const runner of deps.runners) {
      const s = runner.status();
      const lag = head > s.position.commit ? head - s.position.commit : 0n;
      deps.metrics.projectionLag.set({ projection: s.name }, Number(lag));
      if (s.failed) checks.push({ name: `projection:${s.name}`, ok: false, detail: `stopped: ${s.failed}` });
      else if (lag > BigInt(deps.maxLag)) checks.push({ name: `projection:${s.name}`, ok: false, detail: `${lag} positions behind` });
      else checks.push({ name: `projection:${s.name}`, ok: true });
    }
    const ready = checks.every((c) => c.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
