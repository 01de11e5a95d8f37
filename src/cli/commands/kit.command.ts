import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { mkdtempSync, rmSync, accessSync, constants, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { openEventStore } from '../../composition-root';
import { loadConfig } from '../../config/config';
import { exportKit } from '../../kit/kit-export';
import { importKit, KitRefusedError } from '../../kit/kit-import';
import { loadTrustFile } from '../../kit/kit-trust';
import { parseS3Url, uploadKit } from '../../kit/kit-upload';
import { verifyKit, type KitReport } from '../../kit/kit-verify';
import { buildLedger } from '../../ledger/ledger.composition';
import { loadLedgerConfig } from '../../ledger/ledger.config';
import { printJson } from './output';
import { withSigning } from './signing-context';
import { archiveFor } from '../../signing/signing.composition';
import { loadSigningConfig } from '../../signing/signing.config';

interface ExportOptions {
  dataDir?: string;
  out?: string;
  to?: string;
  tenant?: string;
  since?: string;
  streams?: string;
  trustRoot?: string;
}

/** `attestor export`, `attestor import` and `attestor kit verify`: the offline kit. */
export function registerKitCommands(program: Command): void {
  program
    .command('export')
    .description('checkpoint the ledger and write an offline kit (tar): events, envelopes, key history, proofs, signed manifest')
    .option('--out <file>', 'write the kit to this file')
    .option('--to <url>', 'upload the kit to s3://bucket/prefix (endpoint from ATTESTOR_S3_ENDPOINT, region from AWS_REGION)')
    .option('--tenant <tenant>', 'only events of this tenant (a partial kit: verifiable, not importable)')
    .option('--since <time>', 'only events that occurred at or after this RFC 3339 time (partial kit)')
    .option('--streams <prefixes>', 'only streams starting with these comma-separated prefixes, e.g. envelope-,key- (partial kit)')
    .option('--trust-root <file>', 'carry this trusted root / trust file in the kit')
    .option('--data-dir <dir>', 'data directory (ATTESTOR_DATA_DIR)')
    .action(async (opts: ExportOptions) => {
      if ((opts.out === undefined) === (opts.to === undefined)) throw new Error('give exactly one of --out <file> or --to s3://bucket/prefix');
      if (opts.out !== undefined) {
        // Check before anything is written to the ledger (exporting appends a ledger checkpoint).
        const folder = dirname(resolve(opts.out));
        try {
          accessSync(folder, constants.W_OK);
        } catch {
          throw new Error(`cannot write --out ${opts.out}: the folder ${folder} does not exist or is not writable`);
        }
      }
      // Likewise a malformed --to is refused before the ledger checkpoint is appended.
      const target = opts.to !== undefined ? parseS3Url(opts.to) : null;
      const scratch = opts.to ? mkdtempSync(join(tmpdir(), 'attestor-export-')) : null;
      try {
        await withSigning(opts.dataDir, async (c) => {
          const config = loadConfig(process.env, opts.dataDir ? { ATTESTOR_DATA_DIR: opts.dataDir } : {});
          const { checkpointer, ledgerKey } = buildLedger(loadLedgerConfig(), c.container);
          const out = opts.out ? resolve(opts.out) : join(scratch!, 'kit.tar');
          const result = await exportKit(
            { store: c.store, archive: c.archive, checkpointer, ledgerKey },
            {
              out,
              signatureCacheDir: join(config.dataDir, 'kit-signatures'),
              ...(opts.tenant ? { tenant: opts.tenant } : {}),
              ...(opts.since ? { since: opts.since } : {}),
              ...(opts.streams ? { streams: opts.streams.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
              ...(opts.trustRoot ? { trustRootFile: resolve(opts.trustRoot) } : {}),
            },
          );
          let location = result.file;
          if (target !== null) {
            const name = `attestor-kit-${result.manifest.checkpoint.treeSize}-${result.manifest.checkpoint.rootHash.slice(0, 16)}${result.manifest.selection.partial ? `-${result.sha256.slice(0, 8)}` : ''}.tar`;
            location = await uploadKit(out, name, target, {
              ...(process.env['ATTESTOR_S3_ENDPOINT'] ? { endpoint: process.env['ATTESTOR_S3_ENDPOINT'] } : {}),
              ...(process.env['AWS_REGION'] ? { region: process.env['AWS_REGION'] } : {}),
            });
          }
          printJson({ kit: location, sha256: result.sha256, size: result.size, checkpointCreated: result.checkpointCreated, checkpoint: result.manifest.checkpoint, counts: result.manifest.counts, selection: result.manifest.selection });
        }, { mustExist: true });
      } finally {
        if (scratch) rmSync(scratch, { recursive: true, force: true });
      }
    });

  program
    .command('import')
    .argument('<kit>', 'kit file (.tar)')
    .description('verify a complete kit, put its envelopes into the configured archive, then append its events to a fresh or empty store (ids, order and hashes preserved); a second import is a no-op')
    .option('--trust <file>', 'trust file (ledgerKeys pins, logKeys, trustedRoot)')
    .option('--into <store>', 'SQLite file to import into (default: the configured store)')
    .option('--data-dir <dir>', 'data directory (ATTESTOR_DATA_DIR)')
    .option('--no-progress', 'no progress bar')
    .action(async (kit: string, opts: { trust?: string; into?: string; dataDir?: string; progress: boolean }) => {
      const config = loadConfig(process.env, {
        ...(opts.dataDir ? { ATTESTOR_DATA_DIR: opts.dataDir } : {}),
        ...(opts.into ? { ATTESTOR_EVENT_STORE: `sqlite:${resolve(opts.into)}` } : {}),
      });
      // The envelopes go where this data directory's service reads them (ATTESTOR_ARCHIVE, or <data-dir>/archive).
      const archive = archiveFor(loadSigningConfig(config.dataDir).archive);
      // A refused import must leave nothing behind, not even an empty store file.
      const created = config.eventStore.kind === 'sqlite' && !existsSync(config.eventStore.file) ? config.eventStore.file : null;
      const store = await openEventStore(config);
      const bar = opts.progress && process.stderr.isTTY ? new SingleBar({ format: 'import [{bar}] {value}/{total} events | ETA {eta_formatted}', stream: process.stderr }, Presets.shades_classic) : null;
      try {
        bar?.start(1, 0);
        const result = await importKit(resolve(kit), store, {
          archive,
          ...(opts.trust ? { trust: loadTrustFile(opts.trust) } : {}),
          onProgress: (done, total) => {
            bar?.setTotal(total);
            bar?.update(done);
          },
        });
        bar?.stop();
        for (const w of result.report.warnings) process.stderr.write(`attestor import: warning: ${w}\n`);
        if (!opts.trust) process.stderr.write('attestor import: warning: no --trust given: the ledger key is the one the kit itself records; pin it with a trust file (ledgerKeys)\n');
        process.stdout.write(
          (result.appended === 0 ? `already imported: the store holds all ${result.alreadyPresent} events of the kit` : `imported ${result.appended} events${result.alreadyPresent ? ` (${result.alreadyPresent} were already there)` : ''}`) +
            (result.envelopesArchived > 0 ? `; ${result.envelopesArchived} envelopes archived` : '') +
            '\n',
        );
      } catch (error) {
        bar?.stop();
        if (error instanceof KitRefusedError) {
          process.stderr.write(`attestor import: refused, nothing written: ${error.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw error;
      } finally {
        await store.close();
        if (created !== null && process.exitCode === 1) {
          for (const suffix of ['', '-wal', '-shm']) rmSync(`${created}${suffix}`, { force: true });
        }
      }
    });

  const kitCommand = program.command('kit').description('the offline kit');
  kitCommand
    .command('verify')
    .argument('<kit>', 'kit file (.tar)')
    .description('verify a kit with no network: manifest signature, file digests, hash chains, ledger proofs, envelope signatures, transparency-log proofs')
    .option('--trust <file>', 'trust file: {"ledgerKeys": [fingerprints], "logKeys": [C2SP verifier keys], "trustedRoot": {...}} or a Sigstore trusted root')
    .option('--json', 'print the report as JSON')
    .action(async (kit: string, opts: { trust?: string; json?: boolean }) => {
      const report = await verifyKit(resolve(kit), opts.trust ? { trust: loadTrustFile(opts.trust) } : {});
      if (opts.json) printJson(report);
      else printKitReport(report);
      if (!report.ok) process.exitCode = 1;
    });
}

function printKitReport(report: KitReport): void {
  const out = (s: string): boolean => process.stdout.write(`${s}\n`);
  out(`${report.ok ? 'VERIFIED' : 'FAILED'}: ${report.kit} (sha256 ${report.sha256})`);
  const m = report.manifest;
  if (m) {
    out(`  ${m.counts.events} events, ${m.counts.envelopes} envelopes, ${m.counts.keys} keys, ${m.counts.tlogEntries} log entries; checkpoint of ${m.checkpoint.treeSize} events at ${m.checkpoint.signedAt}${m.selection.partial ? ' (partial kit)' : ''}`);
  }
  for (const c of report.checks) out(`  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`);
  for (const w of report.warnings) out(`  ! ${w}`);
}
