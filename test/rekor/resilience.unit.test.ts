import test from 'ava';
import { backoffDelay, isRetryableStatus, parseRetryAfter, Resilience, RetryableError } from '../../adapters/rekor/resilience';
import { UnavailableError, ValidationError } from '../../src/errors/app-error';

test('retryable statuses are 408, 429 and 5xx except 501', (t) => {
  for (const s of [408, 429, 500, 502, 503, 504, 599]) t.true(isRetryableStatus(s), String(s));
  for (const s of [200, 201, 400, 401, 404, 405, 409, 413, 422, 501]) t.false(isRetryableStatus(s), String(s));
});

test('full-jitter backoff draws from [0, min(max, base·2^(n−1)))', (t) => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };
  t.is(backoffDelay(1, policy, () => 0), 0);
  t.is(backoffDelay(1, policy, () => 0.999), 99);
  t.is(backoffDelay(3, policy, () => 0.999), 399);
  t.is(backoffDelay(10, policy, () => 0.999), 999, 'capped at maxDelayMs');
});

test('Retry-After is read as seconds or an HTTP date', (t) => {
  t.is(parseRetryAfter('3'), 3_000);
  t.is(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
  t.is(parseRetryAfter(null), undefined);
  t.is(parseRetryAfter('soon'), undefined);
});

test('only RetryableErrors are retried; others pass through untouched on the first attempt', async (t) => {
  const r = new Resilience({ name: 'dep', sleep: async () => {} });
  t.teardown(() => r.close());
  let calls = 0;
  const refusal = new ValidationError('no');
  await t.throwsAsync(
    r.execute('op', async () => {
      calls++;
      throw refusal;
    }),
    { is: refusal },
  );
  t.is(calls, 1);

  calls = 0;
  const value = await r.execute('op', async () => {
    if (++calls < 3) throw new RetryableError('flaky');
    return 'done';
  });
  t.is(value, 'done');
  t.is(calls, 3);
});

test('retries stop when the next delay would pass the total time budget', async (t) => {
  let clock = 0;
  const r = new Resilience({
    name: 'dep',
    retry: { maxAttempts: 100, baseDelayMs: 1_000, maxDelayMs: 1_000, maxElapsedMs: 2_500 },
    random: () => 0.999,
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
  });
  t.teardown(() => r.close());
  let calls = 0;
  const error = await t.throwsAsync(
    r.execute('op', async () => {
      calls++;
      throw new RetryableError('down', 2_000);
    }),
    { instanceOf: UnavailableError },
  );
  t.is(calls, 3);
  t.is(error?.code, 'dependency_unavailable');
  t.is(error?.retryAfterSeconds, 2);
});
