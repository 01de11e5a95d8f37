/** Load shapes shared by the benchmark areas. */

export const BENCH_SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);

/**
 * Keeps `concurrency` operations in flight for about `seconds` (each finished
 * operation is replaced at once), returns completed operations per second.
 * `lane` (0 … concurrency-1) says which of the in-flight slots runs `op`.
 * Unlike `Promise.all` over fixed batches, no slot waits for the slowest
 * operation of its batch.
 */
export async function inFlight(
  seconds: number,
  concurrency: number,
  op: (i: number, lane: number) => Promise<unknown>,
  /** Stop early once this many operations have started (e.g. a finite pool of inputs). */
  limit = Number.POSITIVE_INFINITY,
): Promise<number> {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let started = 0;
  let done = 0;
  const run = async (lane: number): Promise<void> => {
    while (started < limit && process.hrtime.bigint() < deadline) {
      await op(started++, lane);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, lane) => run(lane)));
  return done / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Runs `fn` once, returns its result and the seconds it took. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

export const BENCH_ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));

/**
 * Runs each measure `rounds` times, alternating (a, b, c, a, b, c, …), each
 * run for `seconds / rounds`, and returns each measure's mean rate. On a
 * machine whose disk or second core is shared with other work, alternating
 * makes a ratio compare like with like instead of two different minutes.
 */
export async function alternating<K extends string>(
  seconds: number,
  rounds: number,
  measures: Readonly<Record<K, (seconds: number) => Promise<number>>>,
): Promise<Record<K, number>> {
  const names = Object.keys(measures) as K[];
  const sums = Object.fromEntries(names.map((k) => [k, 0])) as Record<K, number>;
  for (let r = 0; r < rounds; r++) {
    for (const k of names) sums[k] += await measures[k](seconds / rounds);
  }
  return Object.fromEntries(names.map((k) => [k, sums[k] / rounds])) as Record<K, number>;
}
