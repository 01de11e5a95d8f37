import { createApp } from '../http/app';
import { isLoopbackHost } from '../config/config';
import { listen, type Listening } from '../http/listen';
import { replayRoutes, type ReplayRoutesDeps } from '../http/routes/replay.routes';
import type { Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';

export type RunningReplayServer = Listening;

/** Serves replayed read models read-only (`attestor replay --as-of P --serve`); loopback only, as there is no authentication. */
export async function startReplayServer(deps: ReplayRoutesDeps & { readonly host: string; readonly port: number; readonly logger: Logger }): Promise<RunningReplayServer> {
  if (!isLoopbackHost(deps.host)) throw new Error(`refusing to serve replayed read models on ${deps.host} without authentication: bind to 127.0.0.1`);
  const app = createApp({ logger: deps.logger, metrics: new Metrics(), bodyLimit: '16kb', routers: [replayRoutes(deps)] });
  return listen(app, deps.host, deps.port);
}
