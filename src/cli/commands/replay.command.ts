import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteReadModelStore } from '../../../adapters/read-models/sqlite.read-model-store';
import { allProjections } from '../../../projections';
import type { Projection } from '../../../projections/projection';
import { describeAsOf, parseAsOf, resolveAsOf, type ResolvedAsOf } from '../../audit/as-of';
import { diffReadModels, replayTo } from '../../audit/replay';
import { startReplayServer } from '../../audit/replay-server';
import { createLogger } from '../../observability/logger';
import { openEventStore } from '../../composition-root';
import { loadConfig } from '../../config/config';
import type { EventStore } from '../../ports/event-store';
import { storeUrl } from './audit.command';

interface ReplayOptions {
  asOf?: string;
  diff?: string[];
  print?: string;
  projection?: string;
  out?: string;
  json?: boolean;
  dataDir?: string;
  from?: string;
  serve?: boolean;
  host: string;
  port: string;
}

/**
 * `attestor replay --as-of <time | position>` rebuilds every read model as it
 * stood at that point into a scratch SQLite file (deleted afterwards unless
 * `--out`), prints each read model's digest and, with `--print`, one read
 * model's documents. `attestor replay --diff A B` lists the documents added,
 * changed and removed between two points. The live read models are never
 * touched; only the event store is read, so it works with the service stopped
 * and offline. See `resolveAsOf` for what "as of a time" means.
 */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('rebuild the read models as they stood at a point in history (scratch file; live read models untouched)')
    .option('--as-of <point>', 'RFC 3339 time (last event with occurredAt ≤ it, in global order) or a global position')
    .option('--diff <points...>', 'two points A B: list documents added/changed/removed from A to B')
    .option('--print <projection>', 'with --as-of: print that read model\'s documents as JSON lines {key, doc}')
    .option('--projection <name>', 'only this read model (default: all)')
    .option('--out <file>', 'with --as-of: keep the replayed read models in this SQLite file')
    .option('--serve', 'with --as-of: serve the replayed read models read-only over HTTP until interrupted')
    .option('--host <host>', 'with --serve: address to bind (loopback only)', '127.0.0.1')
    .option('--port <port>', 'with --serve: port to listen on (0: any free port)', '8090')
    .option('--json', 'machine-readable output (JSON; JSON lines for --diff)')
    .option('--data-dir <dir>', 'data directory of the event store (ATTESTOR_DATA_DIR)')
    .option('--from <store>', 'replay from this event store (a SQLite file, or esdb://…) instead of the configured one')
    .addHelpText(
      'after',
      `
A point is a global position (every event up to and including it) or an RFC 3339 time with a zone.
A time T stands for the prefix of the ledger up to the last event, in global order, whose occurredAt
is at or before T (millisecond precision). occurredAt comes from each writer's clock and is monotonic
only per writer, so a few events just before that one may carry a later time: they are included,
because a read model is always a fold of a prefix of the ledger.
Only the event store is read (works offline, service stopped); the live read models are not touched.`,
    )
    .action(async (opts: ReplayOptions) => {
      if ((opts.asOf === undefined) === (opts.diff === undefined)) throw new Error('give either --as-of <point> or --diff <A> <B>');
      if (opts.serve && (opts.asOf === undefined || opts.print !== undefined)) throw new Error('--serve goes with --as-of, without --print');
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a port number from 0 to 65535');
      if (opts.diff !== undefined && opts.diff.length !== 2) throw new Error(`--diff takes exactly two points, got ${opts.diff.length}`);
      const projections = select(opts.projection ?? opts.print);
      const config = loadConfig(process.env, {
        ...(opts.dataDir ? { ATTESTOR_DATA_DIR: opts.dataDir } : {}),
        ...(opts.from ? { ATTESTOR_EVENT_STORE: storeUrl(opts.from) } : {}),
      });
      if (opts.out !== undefined && resolve(opts.out) === config.readModelFile) {
        throw new Error(`--out ${opts.out} is the live read-model file; choose another file`);
      }
      const store = await openEventStore(config, { mustExist: true });
      const scratchDir = mkdtempSync(join(tmpdir(), 'attestor-replay-'));
      try {
        if (opts.asOf !== undefined) await asOf(store, opts.asOf, projections, opts.out ? resolve(opts.out) : join(scratchDir, 'as-of.sqlite'), opts);
        else await diff(store, opts.diff as [string, string], projections, scratchDir, opts.json === true);
      } finally {
        rmSync(scratchDir, { recursive: true, force: true });
        await store.close();
      }
    });
}

function select(name: string | undefined): readonly Projection[] {
  if (name === undefined) return allProjections;
  const selected = allProjections.filter((p) => p.name === name);
  if (selected.length === 0) throw new Error(`no projection named ${name}; known: ${allProjections.map((p) => p.name).join(', ')}`);
  return selected;
}

async function asOf(store: EventStore, point: string, projections: readonly Projection[], file: string, opts: ReplayOptions): Promise<void> {
  const at = await resolveAsOf(store, parseAsOf(point, '--as-of'));
  const scratch = SqliteReadModelStore.open(file);
  try {
    const models = await replayTo(store, scratch, projections, at.position);
    if (opts.print !== undefined) {
      process.stderr.write(`${describeAsOf(at)}\n`);
      let after: string | undefined;
      for (;;) {
        const page = scratch.listDocuments(opts.print, { limit: 1000, ...(after === undefined ? {} : { after }) });
        for (const d of page) process.stdout.write(`${JSON.stringify(d)}\n`);
        if (page.length < 1000) break;
        after = page.at(-1)!.key;
      }
      return;
    }
    if (opts.serve) {
      const server = await startReplayServer({ readModels: scratch, at, models, host: opts.host, port: Number(opts.port), logger: createLogger('error') });
      process.stdout.write(`${describeAsOf(at)}\nreplayed read models served read-only on ${server.url} (GET /api/v1/replay); Ctrl-C to stop\n`);
      await new Promise<void>((stopped) => {
        process.once('SIGINT', stopped);
        process.once('SIGTERM', stopped);
      });
      await server.close();
      return;
    }
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...summary(at), readModels: models, ...(opts.out ? { out: file } : {}) }, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${describeAsOf(at)}\n`);
    for (const m of models) process.stdout.write(`${m.projection}\tv${m.version}\t${m.digest}\t${m.events} events\n`);
    if (opts.out) process.stdout.write(`read models kept in ${file}\n`);
  } finally {
    scratch.close();
  }
}

async function diff(store: EventStore, [a, b]: [string, string], projections: readonly Projection[], dir: string, json: boolean): Promise<void> {
  const atA = await resolveAsOf(store, parseAsOf(a, '--diff A'));
  const atB = await resolveAsOf(store, parseAsOf(b, '--diff B'));
  const before = SqliteReadModelStore.open(join(dir, 'a.sqlite'));
  const after = SqliteReadModelStore.open(join(dir, 'b.sqlite'));
  try {
    await replayTo(store, before, projections, atA.position);
    await replayTo(store, after, projections, atB.position);
    process.stderr.write(`A ${describeAsOf(atA)}\nB ${describeAsOf(atB)}\n`);
    for (const p of projections) {
      const counts = { added: 0, changed: 0, removed: 0 };
      for (const change of diffReadModels(before, after, p.name)) {
        counts[change.change] += 1;
        process.stdout.write(json ? `${JSON.stringify({ projection: p.name, ...change })}\n` : `${p.name}\t${change.change}\t${change.key}\n`);
      }
      if (!json) process.stderr.write(`${p.name}: ${counts.added} added, ${counts.changed} changed, ${counts.removed} removed\n`);
    }
  } finally {
    before.close();
    after.close();
  }
}

function summary(at: ResolvedAsOf): Record<string, string> {
  return {
    asOf: at.asOf.kind === 'time' ? at.asOf.time : at.asOf.position.toString(),
    position: at.position.commit.toString(),
    head: at.head.commit.toString(),
  };
}
