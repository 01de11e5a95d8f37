import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteReadModelStore } from '../../../adapters/read-models/sqlite.read-model-store';
import { allProjections } from '../../../projections';
import { openEventStore } from '../../composition-root';
import { loadConfig } from '../../config/config';
import { importKit, KitRefusedError } from '../../kit/kit-import';
import { loadTrustFile } from '../../kit/kit-trust';
import type { EventStore } from '../../ports/event-store';
import { rebuildProjections } from '../../projections-runtime/rebuild';

interface RebuildOptions {
  dataDir?: string;
  from?: string;
  out?: string;
  trust?: string;
  progress: boolean;
}

/** `--from kit.tar`: a kit, verified and imported into a scratch store, instead of an event store. */
const isKit = (from: string | undefined): from is string => from !== undefined && from.toLowerCase().endsWith('.tar');

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
    .option('--from <store | kit.tar>', 'rebuild from this event store (a SQLite file, or esdb://…) or offline kit (*.tar) instead of the configured store')
    .option('--trust <file>', 'with --from kit.tar: trust file or Sigstore trusted root the kit is verified with (as `attestor kit verify --trust`)')
    .option('--out <file>', 'write the read models to this SQLite file instead of the live one (with --from kit.tar: instead of a scratch file)')
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      `
Run it with the service stopped, or give --out, so the running service does not fold into the same file.
With --from kit.tar the kit is verified (as \`attestor kit verify\`; a kit that fails is refused) and imported
into a scratch store in a temporary directory, the read models are rebuilt there (or into --out) and the
scratch files are removed: the live store and read models are not touched, and no network is used.`,
    )
    .action(async (name: string | undefined, opts: RebuildOptions) => {
      const selected = name ? allProjections.filter((p) => p.name === name) : allProjections;
      if (selected.length === 0) {
        throw new Error(`no projection named ${name ?? ''}; known: ${allProjections.map((p) => p.name).join(', ')}`);
      }
      if (opts.trust !== undefined && !isKit(opts.from)) throw new Error('--trust applies to --from <kit.tar> only');
      const kit = isKit(opts.from) ? resolve(opts.from) : null;
      const scratch = kit !== null ? mkdtempSync(join(tmpdir(), 'attestor-rebuild-kit-')) : null;
      try {
        const config = loadConfig(process.env, {
          ...(opts.dataDir ? { ATTESTOR_DATA_DIR: opts.dataDir } : {}),
          ...(scratch !== null ? { ATTESTOR_EVENT_STORE: `sqlite:${join(scratch, 'events.sqlite')}` } : {}),
          ...(scratch === null && opts.from ? { ATTESTOR_EVENT_STORE: opts.from.startsWith('esdb') ? opts.from : `sqlite:${resolve(opts.from)}` } : {}),
        });
        // A kit is imported into a fresh scratch store; any other source must already exist.
        const store = await openEventStore(config, { mustExist: kit === null });
        try {
          if (kit !== null && !(await importKitInto(kit, store, opts))) return;
          const readModelFile = opts.out ? resolve(opts.out) : scratch !== null ? join(scratch, 'read-models.sqlite') : config.readModelFile;
          await rebuildAll(store, readModelFile, selected, opts.progress);
        } finally {
          await store.close();
        }
      } finally {
        if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
      }
    });
}

/** Verifies and imports a kit into the (scratch) store; false, with the reason on stderr and exit code 1, when the kit is refused. */
async function importKitInto(kit: string, store: EventStore, opts: RebuildOptions): Promise<boolean> {
  const bar = opts.progress && process.stderr.isTTY ? new SingleBar({ format: 'import [{bar}] {value}/{total} events | ETA {eta_formatted}', stream: process.stderr }, Presets.shades_classic) : null;
  bar?.start(1, 0);
  try {
    // The scratch store is only folded into read models, which read events, never envelopes.
    const result = await importKit(kit, store, {
      archive: null,
      ...(opts.trust ? { trust: loadTrustFile(opts.trust) } : {}),
      onProgress: (done, total) => {
        bar?.setTotal(total);
        bar?.update(done);
      },
    });
    bar?.stop();
    for (const w of result.report.warnings) process.stderr.write(`kit: ${w}\n`);
    process.stderr.write(`kit ${kit} verified (sha256 ${result.report.sha256}); ${result.appended} events imported into a scratch store\n`);
    return true;
  } catch (error) {
    bar?.stop();
    if (error instanceof KitRefusedError) {
      process.stderr.write(`attestor projections rebuild: refused: ${error.message}\n`);
      process.exitCode = 1;
      return false;
    }
    throw error;
  }
}

/** One pass over the store folds every selected projection (the ledger is read once). */
async function rebuildAll(store: EventStore, readModelFile: string, selected: typeof allProjections, progress: boolean): Promise<void> {
  const readModels = SqliteReadModelStore.open(readModelFile);
  try {
    const bar = progress && process.stderr.isTTY ? progressBar(selected.map((p) => p.name).join(', ')) : null;
    const results = await rebuildProjections(store, readModels, selected, {
      onProgress: bar
        ? (p) => {
            bar.setTotal(Number(p.head.commit));
            bar.update(Number(p.position.commit), { events: p.events });
          }
        : undefined,
    });
    bar?.stop();
    for (const result of results) {
      const rate = result.seconds > 0 ? Math.round(result.events / result.seconds) : result.events;
      process.stdout.write(`${result.projection}\t${result.digest}\t${result.events} events\t${result.seconds.toFixed(2)} s\t${rate} events/s\n`);
    }
  } finally {
    readModels.close();
  }
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
