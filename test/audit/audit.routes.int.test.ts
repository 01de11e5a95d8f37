import test from 'ava';
import type { AuditRecord } from '../../projections/audit-trail/audit-record';
import { anAuditService, type AuditService } from './audit-service';
import { seedLedger, SUBJECT_A, SUBJECT_B } from './helpers';

async function seeded(t: Parameters<typeof anAuditService>[0]): Promise<AuditService & { envelopeA: string; envelopeB: string }> {
  const service = await anAuditService(t);
  const envelopes = await seedLedger(service.store);
  await service.catchUp();
  return { ...service, ...envelopes };
}

const positions = (body: Record<string, unknown>): string[] => (body['items'] as AuditRecord[]).map((r) => r.position);

test('GET /api/v1/audit lists every event as an audit record, in global order', async (t) => {
  const s = await seeded(t);
  const res = await s.get('/api/v1/audit');
  t.is(res.status, 200);
  t.deepEqual(positions(res.body), Array.from({ length: 13 }, (_, i) => String(i + 1)));
  t.is(res.body['cursor'], null);
  t.is(res.body['next'], null);
  t.is(res.body['position'], '13');
  const logged = (res.body['items'] as AuditRecord[])[11];
  t.like(logged, { type: 'EntryLogged', actor: 'svc:submitter', tenant: 'acme', correlationId: 'pipeline-1', subjects: [SUBJECT_A], envelopeDigest: s.envelopeA, logs: ['rekor-v1'], outcome: 'logged' });
});

test('each filter narrows the trail, and filters combine', async (t) => {
  const s = await seeded(t);
  const q = async (query: string) => positions((await s.get(`/api/v1/audit?${query}`)).body);
  t.deepEqual(await q(`subject=${SUBJECT_A}`), ['5', '10', '12']);
  t.deepEqual(await q(`subject=${'A'.repeat(64)}`), ['5', '10', '12'], 'bare hex is SHA-256, any case');
  t.deepEqual(await q(`subject=${SUBJECT_B}`), ['6', '13']);
  t.deepEqual(await q('key=ci-key'), ['3', '4', '6', '9']);
  t.deepEqual(await q(`envelope=${s.envelopeA}`), ['5', '10', '12']);
  t.deepEqual(await q('tenant=globex'), ['13']);
  t.deepEqual(await q('actor=user%3Abob'), ['3', '4', '9']);
  t.deepEqual(await q('type=KeyCreated'), ['1', '3']);
  t.deepEqual(await q('from=2025-03-03T14:01:00Z&to=2025-03-03T14:03:00Z'), ['7', '8', '9', '10']);
  t.deepEqual(await q('from=2025-03-03T15:01:00%2B01:00'), ['7', '8', '9', '10', '11', '12', '13'], 'time zones are honoured');
  t.deepEqual(await q('key=release-key&actor=svc%3Aci'), ['6']);
  t.deepEqual(await q(`subject=${SUBJECT_A}&type=EntryLogged&tenant=acme`), ['12']);
  t.deepEqual(await q('key=nobody'), []);
});

test('a cursor walks the whole trail page by page, each record once, with a next link', async (t) => {
  const s = await seeded(t);
  const seen: string[] = [];
  let path: string | null = '/api/v1/audit?limit=4';
  let pages = 0;
  while (path !== null) {
    const res = await s.get(path);
    t.is(res.status, 200);
    seen.push(...positions(res.body));
    const next = res.body['next'] as string | null;
    if (next !== null) {
      t.is(res.headers.get('link'), `<${next}>; rel="next"`);
      t.true(next.includes(`cursor=${res.body['cursor'] as string}`));
    }
    path = next;
    pages += 1;
  }
  t.deepEqual(seen, Array.from({ length: 13 }, (_, i) => String(i + 1)));
  t.true(pages >= 4);

  const first = await s.get('/api/v1/audit?key=release-key&limit=2');
  t.deepEqual(positions(first.body), ['1', '2']);
  t.regex(first.body['next'] as string, /^\/api\/v1\/audit\?key=release-key&limit=2&cursor=/);
  const second = await s.get(first.body['next'] as string);
  t.deepEqual(positions(second.body), ['5', '6']);
});

test('bad filters are 400 problems that name the filter and say what to send', async (t) => {
  const s = await seeded(t);
  const cases: [string, RegExp][] = [
    ['subject=not-a-digest', /subject must be a digest/],
    ['from=yesterday', /from must be an RFC 3339 date-time with a time zone/],
    ['to=2025-03-03T14:00:00', /to must be an RFC 3339 date-time/],
    ['from=2025-03-04T00:00:00Z&to=2025-03-03T00:00:00Z', /from must not be after to/],
    ['limit=0', /limit must be an integer from 1 to 1000/],
    ['limit=1001', /limit must be an integer from 1 to 1000/],
    ['limit=ten', /limit must be an integer from 1 to 1000/],
    ['type=keyCreated', /type must be an event type name in PascalCase/],
    ['key=%20bad', /key must be a key id/],
    ['tenant=a&tenant=b', /give tenant once/],
    ['subjet=abc', /unknown filter "subjet"/],
    ['cursor=***', /cursor must be the opaque value/],
  ];
  for (const [query, detail] of cases) {
    const res = await s.get(`/api/v1/audit?${query}`);
    t.is(res.status, 400, query);
    t.is(res.type, 'application/problem+json; charset=utf-8', query);
    t.is(res.body['code'], 'invalid_audit_query', query);
    t.regex(res.body['detail'] as string, detail, query);
    t.truthy(res.body['instance'], query);
  }
  const page = await s.get('/api/v1/audit?key=release-key&limit=1');
  const foreign = await s.get(`/api/v1/audit?key=ci-key&cursor=${page.body['cursor'] as string}`);
  t.is(foreign.status, 400);
  t.regex(foreign.body['detail'] as string, /cursor does not belong to these filters/);
});

test('as-of a time: the registry document of a key and its audit records up to that time', async (t) => {
  const s = await seeded(t);
  const before = await s.get('/api/v1/audit/as-of?at=2025-03-03T14:01:30Z&key=ci-key');
  t.is(before.status, 200);
  t.like(before.body, { at: '2025-03-03T14:01:30Z', position: '8', head: '13', key: 'ci-key' });
  t.like(before.body['registry'], { keyId: 'ci-key', status: 'active', activeVersion: 1 });
  t.deepEqual(positions({ items: before.body['records'] }), ['3', '4', '6']);

  const after = await s.get('/api/v1/audit/as-of?at=2025-03-03T14:02:00Z&key=ci-key');
  t.like(after.body['registry'], { keyId: 'ci-key', status: 'revoked' });
  t.deepEqual(positions({ items: after.body['records'] }), ['3', '4', '6', '9']);

  const notYet = await s.get('/api/v1/audit/as-of?at=2025-03-03T13:58:00Z&key=ci-key');
  t.is(notYet.body['registry'], null, 'the key did not exist yet');
  t.deepEqual(notYet.body['records'], []);
});

test('as-of a position: the audit records of a subject up to and including it', async (t) => {
  const s = await seeded(t);
  const res = await s.get(`/api/v1/audit/as-of?at=11&subject=${'a'.repeat(64)}`);
  t.is(res.status, 200);
  t.like(res.body, { position: '11', subject: SUBJECT_A });
  t.deepEqual(positions({ items: res.body['records'] }), ['5', '10']);
});

test('as-of answers the same from the store when the audit read model has not caught up', async (t) => {
  const s = await anAuditService(t);
  await seedLedger(s.store);
  const lagging = await s.get(`/api/v1/audit/as-of?at=2025-03-03T14:03:30Z&subject=${SUBJECT_A}&limit=2`);
  await s.catchUp();
  const live = await s.get(`/api/v1/audit/as-of?at=2025-03-03T14:03:30Z&subject=${SUBJECT_A}&limit=2`);
  t.deepEqual(lagging.body, live.body);
  t.deepEqual(positions({ items: live.body['records'] }), ['5', '10']);
  t.is(live.body['cursor'], lagging.body['cursor']);
  const rest = await s.get(`/api/v1/audit/as-of?at=2025-03-03T14:03:30Z&subject=${SUBJECT_A}&cursor=${live.body['cursor'] as string}`);
  t.deepEqual(positions({ items: rest.body['records'] }), ['12'], 'EntryLogged at 14:03:05 is the last event at or before 14:03:30');
  t.is(rest.body['cursor'], null);
});

test('as-of refuses what it cannot answer with a precise problem', async (t) => {
  const s = await seeded(t);
  const cases: [string, number, string, RegExp][] = [
    ['key=ci-key', 400, 'invalid_as_of', /at is required/],
    ['at=tomorrow&key=ci-key', 400, 'invalid_as_of', /at must be an RFC 3339 date-time with a time zone .* or a global position/],
    ['at=99&key=ci-key', 400, 'invalid_as_of', /position 99 is beyond the head of the ledger \(13\)/],
    ['at=5', 400, 'invalid_as_of', /give exactly one of subject or key/],
    [`at=5&key=ci-key&subject=${SUBJECT_A}`, 400, 'invalid_as_of', /give exactly one of subject or key/],
    ['at=5&key=no-such-key', 404, 'key_not_found', /no key "no-such-key"/],
  ];
  for (const [query, status, code, detail] of cases) {
    const res = await s.get(`/api/v1/audit/as-of?${query}`);
    t.is(res.status, status, query);
    t.is(res.body['code'], code, query);
    t.regex(res.body['detail'] as string, detail, query);
  }
});
