import test, { type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import { FrozenLogError, UnexpectedLogAnswerError, UnverifiableLogResponseError } from '../../adapters/rekor';
import { ConflictError, UnavailableError, ValidationError } from '../../src/errors/app-error';
import { p256Signer, signedEnvelope, startLog, startProxy, v1Client, v2Client, type ProxyDecision } from './support';

const FAST_RETRY = { retry: { baseDelayMs: 1, maxDelayMs: 5 } } as const;
const forward: ProxyDecision = { forward: true };

interface V1Entry {
  body: string;
  verification: { signedEntryTimestamp: string; inclusionProof: { rootHash: string; treeSize: number; logIndex: number; hashes: string[] } };
}
type V1Answer = Record<string, V1Entry>;
interface V2Entry {
  inclusionProof: { hashes: string[]; checkpoint: { envelope: string } };
}

function rewriteJson<T>(edit: (json: T) => void): ProxyDecision {
  return {
    forward: true,
    rewrite: (body) => {
      const json = JSON.parse(body.toString('utf8')) as T;
      edit(json);
      return Buffer.from(JSON.stringify(json));
    },
  };
}

/** The only LogEntry of a Rekor v1 answer. */
const v1Entry = (json: V1Answer): V1Entry => Object.values(json)[0]!;

const flipHex = (hex: string): string => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;
const flipB64 = (b64: string): string => {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
};

async function unverifiable(t: ExecutionContext, promise: Promise<unknown>, check: string): Promise<void> {
  const error = await t.throwsAsync(promise, { instanceOf: UnverifiableLogResponseError });
  t.is(error?.check, check, error?.message);
}

test('Rekor v1: an answer whose inclusion proof has a flipped byte is rejected as unverifiable', async (t) => {
  const log = await startLog(t);
  const signer = p256Signer();
  await v1Client(t, log).submitDsse(signedEnvelope(signer), signer.publicKeyPem);
  const proxy = await startProxy(t, log.url, (req) =>
    req.method === 'POST' ? rewriteJson<V1Answer>((j) => void (v1Entry(j).verification.inclusionProof.hashes[0] = flipHex(v1Entry(j).verification.inclusionProof.hashes[0]!))) : forward,
  );
  await unverifiable(t, v1Client(t, log, proxy.url).submitDsse(signedEnvelope(signer), signer.publicKeyPem), 'inclusion-proof');
});

test('Rekor v1: an answer whose proof and root were both swapped for another tree is rejected (the signed checkpoint disagrees)', async (t) => {
  const log = await startLog(t);
  const signer = p256Signer();
  const client = v1Client(t, log);
  const entry = await client.submitDsse(signedEnvelope(signer), signer.publicKeyPem);
  // A consistent-looking forgery: a one-leaf tree whose root is the leaf itself.
  const proxy = await startProxy(t, log.url, () =>
    rewriteJson<V1Answer>((j) => {
      const proof = v1Entry(j).verification.inclusionProof;
      proof.rootHash = createHash('sha256').update(Buffer.concat([Buffer.of(0), Buffer.from(v1Entry(j).body, 'base64')])).digest('hex');
      proof.hashes = [];
      proof.treeSize = 1;
      proof.logIndex = 0;
    }),
  );
  const tampered = v1Client(t, log, proxy.url);
  await client.submitDsse(signedEnvelope(signer), signer.publicKeyPem);
  await unverifiable(t, tampered.getByUuid(entry.uuid), 'root-hash');
});

test('Rekor v1: a tampered SET, a foreign log ID, or a body that is not what was asked for are each rejected', async (t) => {
  const log = await startLog(t);
  const signer = p256Signer();
  const entry = await v1Client(t, log).submitDsse(signedEnvelope(signer), signer.publicKeyPem);

  const badSet = await startProxy(t, log.url, () => rewriteJson<V1Answer>((j) => void (v1Entry(j).verification.signedEntryTimestamp = flipB64(v1Entry(j).verification.signedEntryTimestamp))));
  await unverifiable(t, v1Client(t, log, badSet.url).getByIndex(0), 'set');

  const otherLog = await startLog(t);
  const foreign = v1Client(t, otherLog, log.url);
  await unverifiable(t, foreign.getByIndex(0), 'log-id');

  // The log answers a duplicate with the Location of some other entry.
  const other = await v1Client(t, log).submitDsse(signedEnvelope(signer), signer.publicKeyPem);
  const envelope = signedEnvelope(signer);
  await v1Client(t, log).submitDsse(envelope, signer.publicKeyPem);
  const misdirect = await startProxy(t, log.url, (req) =>
    req.method === 'POST' ? { respond: { status: 409, headers: { Location: `/api/v1/log/entries/${other.uuid}` } } } : forward,
  );
  await unverifiable(t, v1Client(t, log, misdirect.url).submitDsse(envelope, signer.publicKeyPem), 'body');
  t.not(other.uuid, entry.uuid);
});

test('Rekor v1: a checkpoint whose signature was tampered with is rejected', async (t) => {
  const log = await startLog(t);
  const proxy = await startProxy(t, log.url, () =>
    rewriteJson<{ signedTreeHead: string }>((j) => {
      j.signedTreeHead = j.signedTreeHead.replace(/(\u2014 \S+ )(\S)/u, (_m, head: string, c: string) => `${head}${c === 'A' ? 'B' : 'A'}`);
    }),
  );
  await unverifiable(t, v1Client(t, log, proxy.url).checkpoint(), 'checkpoint');
});

test('Rekor v2: an answer with a flipped proof byte or a forged checkpoint signature is rejected', async (t) => {
  const log = await startLog(t);
  const signer = p256Signer();
  await v2Client(t, log).submitDsse(signedEnvelope(signer), signer.publicKeyPem);

  const badProof = await startProxy(t, log.url, () => rewriteJson<V2Entry>((j) => void (j.inclusionProof.hashes[0] = flipB64(j.inclusionProof.hashes[0]!))));
  await unverifiable(t, v2Client(t, log, badProof.url).submitDsse(signedEnvelope(signer), signer.publicKeyPem), 'inclusion-proof');

  const badNote = await startProxy(t, log.url, () =>
    rewriteJson<V2Entry>((j) => {
      const note = j.inclusionProof.checkpoint.envelope;
      j.inclusionProof.checkpoint.envelope = note.replace(/(\u2014 \S+ )(\S)/u, (_m, head: string, c: string) => `${head}${c === 'A' ? 'B' : 'A'}`);
    }),
  );
  await unverifiable(t, v2Client(t, log, badNote.url).submitDsse(signedEnvelope(signer), signer.publicKeyPem), 'checkpoint');
});

test('Rekor v2: a tampered hash tile or entry bundle makes the read unverifiable', async (t) => {
  const log = await startLog(t);
  const signer = p256Signer();
  const client = v2Client(t, log);
  for (let i = 0; i < 5; i++) await client.submitDsse(signedEnvelope(signer), signer.publicKeyPem);

  const flipLastByte = (body: Buffer): Buffer => {
    const copy = Buffer.from(body);
    copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0x01;
    return copy;
  };
  const badTile = await startProxy(t, log.url, (req) => (req.path.startsWith('/tile/0/') ? { forward: true, rewrite: flipLastByte } : forward));
  await unverifiable(t, v2Client(t, log, badTile.url).getByIndex(1), 'inclusion-proof');

  const badEntries = await startProxy(t, log.url, (req) => (req.path.startsWith('/tile/entries/') ? { forward: true, rewrite: flipLastByte } : forward));
  // The last entry's body changed: its leaf no longer leads to the signed root.
  await t.throwsAsync(v2Client(t, log, badEntries.url).getByIndex(4), { instanceOf: UnverifiableLogResponseError });
});

test('Rekor v2: a 409 without the existing entry is a ConflictError; 405 is a FrozenLogError; neither is retried', async (t) => {
  const log = await startLog(t);
  const signer = p256Signer();
  const proxy = await startProxy(t, log.url, (_req, n) => ({ respond: { status: n === 1 ? 409 : 405 } }));
  const client = v2Client(t, log, proxy.url, FAST_RETRY);
  await t.throwsAsync(client.submitDsse(signedEnvelope(signer), signer.publicKeyPem), { instanceOf: ConflictError });
  await t.throwsAsync(client.submitDsse(signedEnvelope(signer), signer.publicKeyPem), { instanceOf: FrozenLogError });
  t.is(proxy.requests.length, 2);
});

test('a 503 is retried with backoff until the log answers', async (t) => {
  const log = await startLog(t);
  const signer = p256Signer();
  const proxy = await startProxy(t, log.url, (_req, n) => (n <= 2 ? { respond: { status: 503, headers: { 'Retry-After': '0' } } } : forward));
  const delays: number[] = [];
  const client = v2Client(t, log, proxy.url, { retry: { baseDelayMs: 10, maxDelayMs: 50 }, sleep: async (ms) => void delays.push(ms) });

  const entry = await client.submitDsse(signedEnvelope(signer), signer.publicKeyPem);

  t.true(entry.created);
  t.is(proxy.requests.length, 3);
  t.is(delays.length, 2);
  t.true(delays[0]! < 10 && delays[1]! < 20, `full jitter stays under base·2^(n−1): ${delays.join(', ')}`);
});

test('a 400 is not retried, nor is a 501', async (t) => {
  const log = await startLog(t);
  const signer = p256Signer();
  const proxy = await startProxy(t, log.url, (_req, n) => ({ respond: { status: n === 1 ? 400 : 501, body: JSON.stringify({ detail: 'bad entry', message: 'bad entry' }) } }));
  const client = v1Client(t, log, proxy.url, FAST_RETRY);
  await t.throwsAsync(client.submitDsse(signedEnvelope(signer), signer.publicKeyPem), { instanceOf: ValidationError, message: /bad entry/ });
  t.is(proxy.requests.length, 1);
  await t.throwsAsync(client.checkpoint(), { instanceOf: UnexpectedLogAnswerError });
  t.is(proxy.requests.length, 2);
});

test('retries are bounded: a log that keeps failing is UnavailableError with Retry-After after maxAttempts', async (t) => {
  const log = await startLog(t);
  const proxy = await startProxy(t, log.url, () => ({ respond: { status: 502 } }));
  const client = v1Client(t, log, proxy.url, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
  const error = await t.throwsAsync(client.checkpoint(), { instanceOf: UnavailableError });
  t.is(error?.code, 'transparency_log_unavailable');
  t.true((error?.retryAfterSeconds ?? 0) >= 1);
  t.is(proxy.requests.length, 3);
});

test('a log that does not answer times out and is retried, within bounded time', async (t) => {
  const log = await startLog(t);
  const proxy = await startProxy(t, log.url, () => ({ hang: true }));
  // Attempts are counted by the client: on a loaded machine a retry can time out before its
  // request even reaches the proxy, so the proxy's count would be a race.
  const retries: number[] = [];
  const client = v1Client(t, log, proxy.url, { timeoutMs: 150, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 }, onRetry: (r) => retries.push(r.attempt) });
  const started = Date.now();
  const error = await t.throwsAsync(client.checkpoint(), { instanceOf: UnavailableError });
  t.regex(error?.message ?? '', /within 150 ms/);
  t.deepEqual(retries, [1], 'the first attempt timed out and was retried once');
  t.true(proxy.requests.length >= 1);
  t.true(Date.now() - started < 2_000);
});

test('the breaker opens after repeated failures and then fails fast without calling the log', async (t) => {
  const log = await startLog(t);
  const proxy = await startProxy(t, log.url, () => ({ respond: { status: 503 } }));
  const client = v1Client(t, log, proxy.url, { retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 3, resetTimeoutMs: 60_000 } });

  for (let i = 0; i < 3; i++) {
    const error = await t.throwsAsync(client.checkpoint(), { instanceOf: UnavailableError });
    t.is(error?.code, 'transparency_log_unavailable');
  }
  t.true(client.breakerOpen);
  const started = Date.now();
  const error = await t.throwsAsync(client.checkpoint(), { instanceOf: UnavailableError });
  t.is(error?.code, 'transparency_log_breaker_open');
  t.is(error?.retryAfterSeconds, 60);
  t.is(proxy.requests.length, 3);
  t.true(Date.now() - started < 100);
});

test('answers that are the caller\'s fault do not open the breaker', async (t) => {
  const log = await startLog(t);
  const client = v1Client(t, log, log.url, { breaker: { volumeThreshold: 2 } });
  for (let i = 0; i < 5; i++) await t.throwsAsync(client.getByIndex(1000 + i));
  t.false(client.breakerOpen);
});
