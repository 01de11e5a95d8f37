import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compose } from './composition-root';
import { assertSafeBinding, type Config } from './config/config';
import { createApp } from './http/app';
import type { Logger } from './observability/logger';
import { METRICS, type Metrics } from './observability/metrics';

export interface RunningService {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the HTTP service on the configured store; `close()` drains and closes everything. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  assertSafeBinding(config);
  const composition = await compose(config, logger);
  const app = createApp({ logger, metrics: composition.container.resolve<Metrics>(METRICS), bodyLimit: config.http.bodyLimit, routers: composition.routers });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.http.port, config.http.host, () => resolve(s));
    s.once('error', reject);
  });
  // Requests Node itself refuses (bad header bytes, oversized headers) still get a problem document.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify({ type: 'urn:attestor:problem:malformed_request', title: status === 431 ? 'Request Header Fields Too Large' : 'Bad Request', status, code: 'malformed_request', detail: status === 431 ? 'the request headers are too large' : 'the request is not valid HTTP' });
    socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  logger.info('attestor listening', { url, eventStore: config.eventStore.kind, dataDir: config.dataDir });
  if (config.auth.mode === 'none') logger.warn('authentication is off: serving loopback only', { host: config.http.host });
  return {
    url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await composition.close();
    },
  };
}
