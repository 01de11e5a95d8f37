import type { Command } from 'commander';
import { loadConfig } from '../../config/config';
import { createLogger } from '../../observability/logger';
import { startService } from '../../server';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP service (embedded SQLite store under ./data unless ATTESTOR_EVENT_STORE says otherwise)')
    .option('--data-dir <dir>', 'data directory (ATTESTOR_DATA_DIR)')
    .option('--host <host>', 'address to bind (ATTESTOR_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (ATTESTOR_PORT, default 8080)')
    .option('--event-store <url>', 'esdb://… or sqlite:<file> (ATTESTOR_EVENT_STORE)')
    .action(async (opts: { dataDir?: string; host?: string; port?: string; eventStore?: string }) => {
      const config = loadConfig(process.env, {
        ...(opts.dataDir ? { ATTESTOR_DATA_DIR: opts.dataDir } : {}),
        ...(opts.host ? { ATTESTOR_HOST: opts.host } : {}),
        ...(opts.port ? { ATTESTOR_PORT: opts.port } : {}),
        ...(opts.eventStore ? { ATTESTOR_EVENT_STORE: opts.eventStore } : {}),
      });
      const logger = createLogger(config.logLevel);
      const service = await startService(config, logger);
      process.stdout.write(`attestor serving on ${service.url}\n`);
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        logger.info('stopping', { signal });
        void service.close().then(() => process.exit(0));
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
