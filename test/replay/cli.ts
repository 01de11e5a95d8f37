import { Command } from 'commander';

/**
 * Runs CLI verbs in-process and captures what they print. Tests using it must
 * be serial: stdout and stderr are process-wide.
 */
export async function runCli(register: readonly ((program: Command) => void)[], args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const program = new Command('attestor').exitOverride();
  for (const r of register) r(program);
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) => ((chunk: string | Uint8Array) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stdout.write;
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  try {
    await program.parseAsync(['node', 'attestor', ...args]);
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
  return { stdout: out.join(''), stderr: err.join('') };
}
