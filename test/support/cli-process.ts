import type { ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The compiled `attestor` CLI (dist/src/cli/main.js, beside dist/test). */
export const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

/**
 * Starts `attestor <args>` as its own process (so it can be signalled or killed for real) and
 * resolves with the URL it announces on stdout, matched by `announces` (first group). The
 * process is killed after the test.
 */
export async function startCli(
  t: Pick<ExecutionContext, 'teardown'>,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  announces: RegExp,
  stderr: 'inherit' | 'pipe' | 'ignore' = 'inherit',
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', stderr] });
  t.teardown(() => void child.kill('SIGKILL'));
  const url = await new Promise<string>((ok, fail) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = announces.exec(line);
      if (m) ok(m[1]!);
    });
    child.once('exit', (code) => fail(new Error(`attestor ${args.join(' ')} exited with ${code}`)));
  });
  return { url, child };
}
