import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../http/app';
import { answerClientErrors } from '../http/client-errors';
import { replayRoutes, type ReplayRoutesDeps } from '../http/routes/replay.routes';
import type { Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';

export interface RunningReplayServer {
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Serves replayed read models read-only (`attestor replay --as-of P --serve`); loopback only, as there is no authentication. */
export async function startReplayServer(deps: ReplayRoutesDeps & { readonly host: string; readonly port: number; readonly logger: Logger }): Promise<RunningReplayServer> {
  if (!LOOPBACK.test(deps.host)) throw new Error(`refusing to serve replayed read models on ${deps.host} without authentication: bind to 127.0.0.1`);
  const app = createApp({ logger: deps.logger, metrics: new Metrics(), bodyLimit: '16kb', routers: [replayRoutes(deps)] });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(deps.port, deps.host, () => resolve(s));
    s.once('error', reject);
  });
  answerClientErrors(server);
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
