import type { Express } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerClientErrors } from './client-errors';

export interface Listening {
  readonly url: string;
  /** Stops accepting, drops open connections, and resolves once the server is closed. */
  readonly close: () => Promise<void>;
}

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
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
