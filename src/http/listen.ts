import type { Express } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerClientErrors } from './client-errors';

export interface Listening {
  readonly url: string;
  /**
   * Stops accepting, lets the requests in flight finish (up to `GRACE_MS`, then
   * drops what is left) and resolves once the server is closed.
   */
  readonly close: () => Promise<void>;
}

/**
 * How long a closing server waits for requests in flight. Dropping them at once would leave
 * clients with a reset connection for requests whose events were already written.
 */
const GRACE_MS = 10_000;

/** Starts an app on host:port (0: any free port) the way every server of the product does. */
export async function listen(app: Express, host: string, port: number): Promise<Listening> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
  answerClientErrors(server);
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        const dropLeftovers = setTimeout(() => server.closeAllConnections(), GRACE_MS);
        dropLeftovers.unref();
        // A keep-alive connection stays open once its request is answered: close each as it goes idle.
        const closeIdle = setInterval(() => server.closeIdleConnections(), 25);
        closeIdle.unref();
        server.close(() => {
          clearTimeout(dropLeftovers);
          clearInterval(closeIdle);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
