import test, { type ExecutionContext } from 'ava';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import winston from 'winston';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import type { EventId, NewEvent } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import { loadConfig } from '../../src/config/config';
import { startService, type RunningService } from '../../src/server';
import { aKey, getJson, postJson } from '../support/api';
import { testContext } from '../support/events';
import { tempDir } from '../support/temp-dir';

/**
 * A store shared with a newer Attestor build: this (older) build serves it.
 * Events are written straight into the service's SQLite store while it is down.
 */
async function serve(t: ExecutionContext, dataDir: string): Promise<RunningService> {
  const service = await startService(loadConfig({ ATTESTOR_DATA_DIR: dataDir, ATTESTOR_PORT: '0' }), winston.createLogger({ silent: true }));
  t.teardown(() => service.close());
  return service;
}

async function writeAsANewerBuild(dataDir: string, stream: string, events: NewEvent[]): Promise<void> {
  const store = SqliteEventStore.open(join(dataDir, 'events.sqlite'));
  try {
    await store.append(streamName(stream.slice(0, stream.indexOf('-')), stream.slice(stream.indexOf('-') + 1)), events);
  } finally {
    await store.close();
  }
}

const newer = (type: string, data: unknown, schemaVersion = 2): NewEvent => ({ id: randomUUID() as EventId, type, schemaVersion, data, metadata: testContext });

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  stream: string;
  eventType: string;
  storedVersion: number;
  readableVersions: number[];
}

async function problemOf(res: Response): Promise<Problem> {
  return (await res.json()) as Problem;
}

/** Polls /readyz until `name` reports a failure (the projections fold in the background). */
async function failedCheck(url: string, name: string): Promise<{ status: number; detail: string }> {
  for (let i = 0; i < 200; i++) {
    const res = await getJson(`${url}/readyz`);
    const check = (res.body['checks'] as { name: string; ok: boolean; detail?: string }[]).find((c) => c.name === name);
    if (check && !check.ok && check.detail?.startsWith('stopped')) return { status: res.status, detail: check.detail };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${name} never reported a failure`);
}

test('a key whose stream holds a key event from a newer build: signing with it and reading it answer a 503 problem that says to upgrade, never a 500, and readiness names the stopped projections', async (t) => {
  const dataDir = tempDir(t);
  const first = await serve(t, dataDir);
  const key = await aKey(first.url);
  await first.close();
  await writeAsANewerBuild(dataDir, `key-${key.keyId}`, [newer('KeyRotated', { keyId: key.keyId, newVersion: 2, rotatedAt: testContext.occurredAt, custody: 'a field this build never heard of' })]);

  const { url } = await serve(t, dataDir);
  const sign = await fetch(`${url}/api/v1/sign`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ keyId: key.keyId, payloadType: 'text/plain', payload: Buffer.from('hello').toString('base64') }),
  });
  t.is(sign.status, 503);
  t.regex(sign.headers.get('content-type') ?? '', /^application\/problem\+json/);
  t.is(sign.headers.get('retry-after'), null, 'time alone does not fix it: no Retry-After');
  const problem = await problemOf(sign);
  t.like(problem, {
    type: 'urn:attestor:problem:unsupported_event_version',
    title: 'Service Unavailable',
    status: 503,
    code: 'unsupported_event_version',
    stream: `key-${key.keyId}`,
    eventType: 'KeyRotated',
    storedVersion: 2,
    readableVersions: [1],
  });
  t.regex(problem.detail, new RegExp(`^stream key-${key.keyId} holds a KeyRotated event \\(id [0-9a-f-]{36}\\) stored at schema version 2, which this build of Attestor does not know \\(it reads KeyRotated at v1\\): the event was written by a newer Attestor\\. Upgrade Attestor to a build that reads KeyRotated v2\\.$`));

  const get = await fetch(`${url}/api/v1/keys/${key.keyId}`);
  t.is(get.status, 503);
  t.like(await problemOf(get), { code: 'unsupported_event_version', eventType: 'KeyRotated', storedVersion: 2 });

  const registry = await failedCheck(url, 'projection:key-registry');
  t.is(registry.status, 503);
  t.regex(registry.detail, /^stopped: stream key-\S+ holds a KeyRotated event .* Upgrade Attestor to a build that reads KeyRotated v2\.$/);
  t.regex((await failedCheck(url, 'projection:audit-trail')).detail, /KeyRotated .* schema version 2/);
  const ready = await getJson(`${url}/readyz`);
  t.is(ready.body['status'], 'not ready');
  t.true((ready.body['checks'] as { name: string; ok: boolean }[]).some((c) => c.name === 'projection:submissions' && c.ok), 'projections that fold no key event go on');

  // Refused before anything was written: no envelope was signed.
  const store = SqliteEventStore.open(join(dataDir, 'events.sqlite'));
  t.deepEqual(await store.readAll({ filter: { eventTypePrefixes: ['EnvelopeSigned'] } }), []);
  await store.close();
});

test('a submission whose stream holds an event from a newer build answers a 503 problem that says to upgrade', async (t) => {
  const dataDir = tempDir(t);
  const id = 'd'.repeat(64);
  await writeAsANewerBuild(dataDir, `submission-${id}`, [
    newer('SubmissionRequested', { submissionId: id, envelopeDigest: id, payloadType: 'text/plain', subjects: [], verifiers: [], logs: [{ name: 'rekor', required: true }], requestedAt: testContext.occurredAt, priority: 'high' }, 4),
  ]);
  const { url } = await serve(t, dataDir);
  const res = await fetch(`${url}/api/v1/submissions/${id}`);
  t.is(res.status, 503);
  t.regex(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = await problemOf(res);
  t.like(problem, { code: 'unsupported_event_version', stream: `submission-${id}`, eventType: 'SubmissionRequested', storedVersion: 4, readableVersions: [1] });
  t.regex(problem.detail, /Upgrade Attestor to a build that reads SubmissionRequested v4\./);
  t.regex((await failedCheck(url, 'projection:submissions')).detail, /SubmissionRequested .* schema version 4/);

  const requeue = await postJson(`${url}/api/v1/submissions/${id}/requeue`, { log: 'rekor', reason: 'try again' });
  t.is(requeue.status, 503, 'nothing is decided, let alone appended, over a stream this build cannot read');
});
