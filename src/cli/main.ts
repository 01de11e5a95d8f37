#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { registerAuditCommand } from './commands/audit.command';
import { registerEntriesCommand } from './commands/entries.command';
import { registerKeysCommand } from './commands/keys.command';
import { registerKitCommands } from './commands/kit.command';
import { registerLedgerCommand } from './commands/ledger.command';
import { registerProjectionsCommand } from './commands/projections.command';
import { registerReplayCommand } from './commands/replay.command';
import { registerServeCommand } from './commands/serve.command';
import { registerSignCommand } from './commands/sign.command';
import { registerSubmitCommand } from './commands/submit.command';
import { registerTlogCommand } from './commands/tlog.command';
import { registerVerifyCommand } from './commands/verify.command';
import { registerWorkerCommand } from './commands/worker.command';

/**
 * The `attestor` CLI. Each verb lives in its own file under `commands/` and is
 * registered here; keep this list sorted by verb.
 */
export function buildProgram(): Command {
  const program = new Command('attestor')
    .description('Event-sourced attestation ledger: sign, log, verify, and keep every act as an immutable event.')
    .showHelpAfterError()
    .exitOverride();
  registerAuditCommand(program);
  registerEntriesCommand(program);
  registerKeysCommand(program);
  registerKitCommands(program);
  registerLedgerCommand(program);
  registerProjectionsCommand(program);
  registerReplayCommand(program);
  registerServeCommand(program);
  registerSignCommand(program);
  registerSubmitCommand(program);
  registerTlogCommand(program);
  registerVerifyCommand(program);
  registerWorkerCommand(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return;
    const exitCode = (err as { exitCode?: number }).exitCode;
    if (typeof exitCode === 'number' && typeof code === 'string' && code.startsWith('commander.')) {
      process.exitCode = exitCode;
      return;
    }
    process.stderr.write(`attestor: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  // `attestor audit … | head`: a reader that stops reading is not an error of ours.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  void main(process.argv);
}
