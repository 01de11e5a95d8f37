import type { Command } from 'commander';
import { resolve } from 'node:path';
import { isLoopbackHost, loadConfig } from '../../config/config';
import { createLogger } from '../../observability/logger';
import { startTlogServer } from '../../tlog/tlog-server';

export function registerTlogCommand(program: Command): void {
  const tlog = program.command('tlog').description('the local Rekor-compatible transparency log');
  tlog
    .command('serve')
    .description('serve a durable local transparency log: Rekor v1 (dsse) and v2 (hashedrekord) write APIs, tlog-tiles reads')
    .option('--dir <dir>', 'where the log keeps its files and keys (default: <data dir>/tlog)')
    .option('--name <name>', 'log name: checkpoint origin and key name', 'tlog.attestor.local')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '3000')
    .option('--batch-window-ms <ms>', 'collect submissions this long before one tree update and checkpoint', '0')
    .action(async (opts: { dir?: string; name: string; host: string; port: string; batchWindowMs: string }) => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      const port = Number(opts.port);
      const batchWindowMs = Number(opts.batchWindowMs);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a port number');
      if (!Number.isInteger(batchWindowMs) || batchWindowMs < 0) throw new Error('--batch-window-ms must be a non-negative integer');
      if (!isLoopbackHost(opts.host)) {
        throw new Error(`refusing to serve the log on ${opts.host} without authentication: bind to 127.0.0.1`);
      }
      const server = await startTlogServer({
        dir: resolve(opts.dir ?? `${config.dataDir}/tlog`),
        name: opts.name,
        host: opts.host,
        port,
        batchWindowMs,
        logger,
      });
      process.stdout.write(`transparency log serving on ${server.url} (trusted root: ${server.url}/api/v1/trustedRoot)\n`);
      const stop = (): void => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
