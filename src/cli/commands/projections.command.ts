import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { SqliteReadModelStore } from '../../../adapters/read-models/sqlite.read-model-store';
import { allProjections } from '../../../projections';
import { openEventStore } from '../../composition-root';
import { loadConfig } from '../../config/config';
import { rebuildProjection } from '../../projections-runtime/rebuild';

interface RebuildOptions {
  dataDir?: string;
  from?: string;
  out?: string;
  progress: boolean;
}

export function registerProjectionsCommand(program: Command): void {
  const projections = program.command('projections').description('read models folded from the ledger');

  projections
    .command('list')
    .description('list the projections this version of attestor keeps')
    .action(() => {
      for (const p of allProjections) process.stdout.write(`${p.name}\tv${p.version}\n`);
    });

  projections
    .command('rebuild')
    .argument('[name]', 'one projection (default: all)')
    .description('drop read models and replay every event from position 0; prints each read model digest')
    .option('--data-dir <dir>', 'data directory of the store and read models (ATTESTOR_DATA_DIR)')
    .option('--from <store>', 'rebuild from this event store (a SQLite file, or esdb://…) instead of the configured one')
    .option('--out <file>', 'write the read models to this SQLite file instead of the live one')
    .option('--no-progress', 'no progress bar')
    .addHelpText('after', '\nRun it with the service stopped, or give --out, so the running service does not fold into the same file.')
    .action(async (name: string | undefined, opts: RebuildOptions) => {
      const config = loadConfig(process.env, {
        ...(opts.dataDir ? { ATTESTOR_DATA_DIR: opts.dataDir } : {}),
        ...(opts.from ? { ATTESTOR_EVENT_STORE: opts.from.startsWith('esdb') ? opts.from : `sqlite:${resolve(opts.from)}` } : {}),
      });
      const selected = name ? allProjections.filter((p) => p.name === name) : allProjections;
      if (selected.length === 0) {
        throw new Error(`no projection named ${name ?? ''}; known: ${allProjections.map((p) => p.name).join(', ')}`);
      }
      const store = await openEventStore(config);
      const readModels = SqliteReadModelStore.open(opts.out ? resolve(opts.out) : config.readModelFile);
      try {
        for (const projection of selected) {
          const bar = opts.progress && process.stderr.isTTY ? progressBar(projection.name) : null;
          const result = await rebuildProjection(store, readModels, projection, {
            onProgress: bar
              ? (p) => {
                  bar.setTotal(Number(p.head.commit));
                  bar.update(Number(p.position.commit), { events: p.events });
                }
              : undefined,
          });
          bar?.stop();
          const rate = result.seconds > 0 ? Math.round(result.events / result.seconds) : result.events;
          process.stdout.write(`${result.projection}\t${result.digest}\t${result.events} events\t${result.seconds.toFixed(2)} s\t${rate} events/s\n`);
        }
      } finally {
        readModels.close();
        await store.close();
      }
    });
}

function progressBar(name: string): SingleBar {
  const bar = new SingleBar(
    { format: `${name} [{bar}] {percentage}% | {events} events | {speed} events/s | ETA {eta_formatted}`, stream: process.stderr, fps: 5 },
    Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(1, 0, { events: 0, speed: 0 });
  const update = bar.update.bind(bar);
  bar.update = ((value: number, payload?: { events: number }) => {
    const secs = (Date.now() - started) / 1000;
    update(value, { ...payload, speed: secs > 0 && payload ? Math.round(payload.events / secs) : 0 });
  }) as typeof bar.update;
  return bar;
}
