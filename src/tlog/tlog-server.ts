import { Router } from 'express';
import { createApp } from '../http/app';
import { listen } from '../http/listen';
import type { Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { rekorV1Routes } from './http/rekor-v1.routes';
import { rekorV2Routes } from './http/rekor-v2.routes';
import { openLocalLogs, type LocalLogs } from './local-logs';

export interface TlogServerOptions {
  readonly dir: string;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly bodyLimit?: string;
  readonly batchWindowMs?: number;
  readonly logger: Logger;
}

export interface RunningTlog {
  readonly url: string;
  readonly logs: LocalLogs;
  close(): Promise<void>;
}

/** Every route of the local log; the service can mount it too. */
export function tlogRouter(logs: LocalLogs): Router {
  const router = Router();
  router.use(rekorV1Routes(logs.v1));
  router.use(rekorV2Routes(logs.v2));
  router.get('/api/v1/trustedRoot', (_req, res) => {
    res.json(logs.trustedRoot());
  });
  router.post('/api/v1/log/checkpoint', (_req, res) => {
    // Publish checkpoints now (they are also published after every batch).
    res.json({ v1: logs.v1.publishCheckpoint().note, v2: logs.v2.publishCheckpoint().note });
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return router;
}

/** `attestor tlog serve`: the isolated log of an air-gapped site, and the Rekor of our end-to-end tests. */
export async function startTlogServer(options: TlogServerOptions): Promise<RunningTlog> {
  const logs = openLocalLogs({ dir: options.dir, name: options.name, ...(options.batchWindowMs === undefined ? {} : { batchWindowMs: options.batchWindowMs }) });
  const app = createApp({ logger: options.logger, metrics: new Metrics(), bodyLimit: options.bodyLimit ?? '1mb', routers: [tlogRouter(logs)] });
  const { url, close } = await listen(app, options.host, options.port);
  options.logger.info('transparency log listening', { url, name: options.name });
  return {
    url,
    logs,
    async close() {
      await close();
      logs.close();
    },
  };
}
