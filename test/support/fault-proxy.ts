import type { ExecutionContext } from 'ava';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does to the next requests: pass them on, refuse connections
 * (the port is closed), answer with an error status, hang until the client
 * gives up, or pass them on and rewrite the log's answer.
 */
export type FaultMode =
  | { readonly kind: 'pass'; readonly delayMs?: number }
  | { readonly kind: 'refuse' }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'hang' }
  | {
      readonly kind: 'rewrite';
      readonly rewrite: (body: Buffer, req: { method: string; path: string }) => Buffer;
      /** Response headers to set (or override) on rewritten answers. */
      readonly setHeaders?: Readonly<Record<string, string>>;
    };

export interface FaultProxy {
  readonly url: string;
  /** Requests seen, by outcome. */
  readonly seen: { passed: number; faulted: number };
  set(mode: FaultMode): Promise<void>;
}

/** A loopback HTTP proxy in front of a transparency log that injects outages on command. */
export async function startFaultProxy(t: ExecutionContext, target: string): Promise<FaultProxy> {
  let mode: FaultMode = { kind: 'pass' };
  const seen = { passed: 0, faulted: 0 };
  const hanging = new Set<ServerResponse>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const current = mode;
      if (current.kind === 'hang') {
        seen.faulted++;
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (current.kind === 'status') {
        seen.faulted++;
        res.writeHead(current.status, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ status: current.status, detail: 'injected by the fault proxy' }));
        return;
      }
      seen.passed++;
      const delay = current.kind === 'pass' ? (current.delayMs ?? 0) : 0;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      const body = Buffer.concat(chunks);
      const info = { method: req.method ?? 'GET', path: req.url ?? '/' };
      new Promise((r) => setTimeout(r, delay))
        .then(() => fetch(new URL(info.path, target), { method: info.method, headers, ...(body.length > 0 ? { body } : {}), redirect: 'manual' }))
        .then(async (upstream) => {
          let out: Buffer = Buffer.from(await upstream.arrayBuffer());
          if (current.kind === 'rewrite') out = current.rewrite(out, info);
          const outHeaders: Record<string, string> = {};
          upstream.headers.forEach((v, k) => {
            if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) outHeaders[k] = v;
          });
          if (current.kind === 'rewrite') Object.assign(outHeaders, current.setHeaders ?? {});
          res.writeHead(upstream.status, outHeaders);
          res.end(out);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  };
  let server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const close = (s: Server): Promise<void> =>
    new Promise((resolve) => {
      for (const res of hanging) res.destroy();
      s.close(() => resolve());
      s.closeAllConnections();
    });
  t.teardown(() => close(server));
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    async set(next: FaultMode) {
      const wasRefusing = mode.kind === 'refuse';
      mode = next;
      if (next.kind === 'refuse' && !wasRefusing) await close(server);
      if (next.kind !== 'refuse' && wasRefusing) {
        server = createServer(handler);
        await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
      }
      if (next.kind !== 'hang') for (const res of hanging) res.destroy();
    },
  };
}
