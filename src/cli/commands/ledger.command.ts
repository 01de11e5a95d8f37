import type { Command } from 'commander';
import type { LedgerReport } from '../../../domain/ledger/ledger-audit';
import { openEventStore } from '../../composition-root';
import { loadConfig } from '../../config/config';
import { buildLedger } from '../../ledger/ledger.composition';
import { loadLedgerConfig } from '../../ledger/ledger.config';
import { proveEvent, verifyLedger } from '../../ledger/ledger-verification';
import { loadTrustFile } from '../../kit/kit-trust';
import { printJson } from './output';
import { withSigning } from './signing-context';
import { readInputText } from './input-file';

interface Common {
  dataDir?: string;
}

/** `attestor ledger checkpoint|prove|verify`: the tamper-evident commitment over every event. */
export function registerLedgerCommand(program: Command): void {
  const ledger = program.command('ledger').description('the Merkle tree over every event: checkpoints, inclusion proofs, whole-store verification');

  ledger
    .command('checkpoint')
    .description('append a LedgerCheckpointSigned event now (no-op when nothing was appended since the last one)')
    .option('--data-dir <dir>', 'data directory (ATTESTOR_DATA_DIR)')
    .action(async (opts: Common) => {
      await withSigning(opts.dataDir, async (c) => {
        const { checkpointer } = buildLedger(loadLedgerConfig(), c.container);
        const cp = await checkpointer.checkpointNow();
        printJson({ created: cp.created, eventId: cp.eventId, index: cp.index, treeSize: cp.data.treeSize, rootHash: cp.data.rootHash, keyId: cp.data.keyId, keyVersion: cp.data.keyVersion });
        process.stdout.write(cp.data.checkpoint);
      });
    });

  ledger
    .command('prove')
    .argument('<eventId>', 'id of the event')
    .description('print an inclusion proof of the event against the latest checkpoint that covers it (JSON)')
    .option('--data-dir <dir>', 'data directory (ATTESTOR_DATA_DIR)')
    .action(async (eventId: string, opts: Common) => {
      const store = await openEventStore(loadConfig(process.env, opts.dataDir ? { ATTESTOR_DATA_DIR: opts.dataDir } : {}), { mustExist: true });
      try {
        printJson(await proveEvent(store, eventId));
      } finally {
        await store.close();
      }
    });

  ledger
    .command('verify')
    .description('check the whole store: hash chains, every checkpoint (signature, recomputed root, never shrinking); exit 1 on any failure')
    .option('--data-dir <dir>', 'data directory (ATTESTOR_DATA_DIR)')
    .option('--known-checkpoint <file>', 'a signed checkpoint kept from before: the store must still contain that tree (detects a truncated tail)')
    .option('--trust <file>', 'trust file whose ledgerKeys pin the ledger key fingerprints')
    .option('--json', 'print the report as JSON')
    .action(async (opts: Common & { knownCheckpoint?: string; trust?: string; json?: boolean }) => {
      const store = await openEventStore(loadConfig(process.env, opts.dataDir ? { ATTESTOR_DATA_DIR: opts.dataDir } : {}), { mustExist: true });
      try {
        const pinned = opts.trust ? loadTrustFile(opts.trust).ledgerKeys : undefined;
        // --trust that pins nothing would silently verify against the ledger's own key history.
        if (opts.trust && pinned === undefined) throw new Error(`--trust ${opts.trust} pins no ledger key (no ledgerKeys): add the ledger key fingerprints, or leave --trust out`);
        const report = await verifyLedger(store, {
          ...(opts.knownCheckpoint ? { knownCheckpoint: readInputText('--known-checkpoint', opts.knownCheckpoint) } : {}),
          ...(pinned ? { pinnedKeys: pinned } : {}),
        });
        if (opts.json) printJson(report);
        else printLedgerReport(report);
        if (!report.ok) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}

export function printLedgerReport(report: LedgerReport): void {
  const out = (s: string): boolean => process.stdout.write(`${s}\n`);
  out(`${report.ok ? 'ok' : 'FAILED'}: ${report.events} events in ${report.streams} streams, ${report.checkpoints} checkpoints`);
  const cp = report.latestCheckpoint;
  if (cp) out(`latest checkpoint: ${cp.treeSize} events, root ${cp.rootHash}, signed by ${cp.keyId} v${cp.keyVersion} at ${cp.signedAt} (event ${cp.eventId})`);
  for (const f of report.failures) out(`  ✗ [${f.check}] ${f.message}`);
  for (const w of report.warnings) out(`  ! ${w}`);
}
