import type { ExecutionContext } from 'ava';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import winston from 'winston';
import { pae, type DsseEnvelope } from '../../domain/signing/dsse-envelope';
import { RekorV1Log, RekorV2Log, trustFromTrustedRoot, type RekorLogOptions } from '../../adapters/rekor';
import { startTlogServer, type RunningTlog } from '../../src/tlog/tlog-server';
import { tempDir } from '../support/temp-dir';

export const LOG_NAME = 'log.attestor.test';
export const LOG_BASE_URL = `https://${LOG_NAME}`;

/** The lead's local Rekor-compatible log, on a free loopback port, closed when the test ends. */
export async function startLog(t: ExecutionContext, dir = tempDir(t, 'attestor-rekor-')): Promise<RunningTlog & { dir: string }> {
  const running = await startTlogServer({ dir, name: LOG_NAME, host: '127.0.0.1', port: 0, logger: winston.createLogger({ silent: true }) });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await running.close();
  };
  t.teardown(close);
  return { ...running, close, dir };
}

type ClientOptions = Partial<Omit<RekorLogOptions, 'trust'>>;

export function v1Client(t: ExecutionContext, log: RunningTlog, url = log.url, options: ClientOptions = {}): RekorV1Log {
  const client = new RekorV1Log({ url, trust: trustFromTrustedRoot(log.logs.trustedRoot(), { api: 'v1', baseUrl: LOG_BASE_URL }), ...options });
  t.teardown(() => client.close());
  return client;
}

export function v2Client(t: ExecutionContext, log: RunningTlog, url = log.url, options: ClientOptions = {}): RekorV2Log {
  const client = new RekorV2Log({ url, trust: trustFromTrustedRoot(log.logs.trustedRoot(), { api: 'v2', baseUrl: LOG_BASE_URL }), ...options });
  t.teardown(() => client.close());
  return client;
}

export interface Signer {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
}

export function p256Signer(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

/** An in-toto statement about a fresh artifact, in a DSSE envelope signed (ECDSA P-256, DER) by `signer`. */
export function signedEnvelope(signer: Signer, artifact = `artifact-${randomUUID()}`): DsseEnvelope {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: artifact, digest: { sha256: '0'.repeat(64) } }],
    predicateType: 'https://attestor.test/predicate/v1',
    predicate: {},
  };
  const payload = Buffer.from(JSON.stringify(statement));
  const payloadType = 'application/vnd.in-toto+json';
  const sig = sign('sha256', pae(payloadType, payload), signer.privateKey);
  return { payload: payload.toString('base64'), payloadType, signatures: [{ keyid: '', sig: sig.toString('base64') }] };
}

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
}

export type ProxyDecision =
  /** Answer without asking the log. */
  | { readonly respond: { readonly status: number; readonly body?: string; readonly headers?: Record<string, string> } }
  /** Never answer (the client must time out). */
  | { readonly hang: true }
  /** Forward, then optionally rewrite the log's answer body. */
  | { readonly forward: true; readonly rewrite?: (body: Buffer, status: number) => Buffer };

/**
 * A tiny HTTP proxy on loopback in front of the log, which can answer for it
 * or tamper with its answers. `requests` records every request it saw.
 */
export async function startProxy(
  t: ExecutionContext,
  target: string,
  decide: (req: ProxiedRequest, n: number) => ProxyDecision,
): Promise<{ url: string; requests: ProxiedRequest[] }> {
  const requests: ProxiedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? 'GET', path: req.url ?? '/' };
      requests.push(seen);
      const decision = decide(seen, requests.length);
      if ('hang' in decision) return;
      if ('respond' in decision) {
        res.writeHead(decision.respond.status, { 'Content-Type': 'application/problem+json', ...decision.respond.headers });
        res.end(decision.respond.body ?? JSON.stringify({ detail: `proxy says ${decision.respond.status}` }));
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      const body = Buffer.concat(chunks);
      fetch(new URL(seen.path, target), { method: seen.method, headers, ...(body.length > 0 ? { body } : {}), redirect: 'manual' })
        .then(async (upstream) => {
          let out: Buffer = Buffer.from(await upstream.arrayBuffer());
          if (decision.rewrite) out = decision.rewrite(out, upstream.status);
          const outHeaders: Record<string, string> = {};
          upstream.headers.forEach((v, k) => {
            if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'etag'].includes(k)) outHeaders[k] = v;
          });
          res.writeHead(upstream.status, outHeaders);
          res.end(out);
        })
        .catch((err: unknown) => {
          res.writeHead(599);
          res.end(String(err));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}

/** Starts the log again on an existing directory (a restart). */
export function startTlogAgain(t: ExecutionContext, dir: string): Promise<RunningTlog & { dir: string }> {
  return startLog(t, dir);
}
