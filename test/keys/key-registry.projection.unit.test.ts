import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import type { EventId, RecordedEvent, StreamName } from '../../domain/events/event';
import { decide, foldKey, NO_MATERIAL_OWNERS, type KeyCommand, type KeyEvent, type KeyId } from '../../domain/keys';
import { keyRegistryProjection } from '../../projections/key-registry/key-registry.projection';
import { foldInMemory } from '../../src/projections-runtime/fold-batch';

/** The registry as the routes and the CLI fold it: the generic in-memory fold, with upcasting. */
const foldKeyRegistry = (events: readonly RecordedEvent[]) => foldInMemory(keyRegistryProjection, events);

const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

function record(events: KeyEvent[], keyId: string): RecordedEvent[] {
  return events.map((e, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` as EventId,
    stream: `key-${keyId}` as StreamName,
    revision: BigInt(i),
    position: { commit: BigInt(i + 1), prepare: BigInt(i + 1) },
    type: e.type,
    schemaVersion: 1,
    data: e.data,
    metadata: { tenant: 't', actor: 'a', correlationId: 'c', causationId: null, occurredAt: `2025-01-0${i + 1}T00:00:00.000Z`, prevHash: '', hash: '' },
  }));
}

function history(_keyId: KeyId, commands: [KeyCommand, string][]): KeyEvent[] {
  const events: KeyEvent[] = [];
  for (const [command, now] of commands) events.push(...decide(command, foldKey(events), { now, materialOwners: NO_MATERIAL_OWNERS }));
  return events;
}

test('the registry shows each key with its versions and their states', (t) => {
  const keyId = 'k1' as KeyId;
  const events = history(keyId, [
    [{ type: 'CreateKey', keyId, name: 'n', provider: 'file', algorithm: undefined, publicKeyPem: pem(), providerRef: 'a.pem' }, '2025-01-01T00:00:00.000Z'],
    [{ type: 'RotateKey', keyId, publicKeyPem: pem(), providerRef: 'b.pem' }, '2025-01-02T00:00:00.000Z'],
    [{ type: 'RevokeKey', keyId, version: 2, reason: 'lost' }, '2025-01-03T00:00:00.000Z'],
  ]);
  const docs = foldKeyRegistry(record(events, keyId));
  const doc = docs.get('k1');
  t.truthy(doc);
  t.is(doc?.status, 'no_active_version');
  t.deepEqual(doc?.versions.map((v) => v.status), ['retired', 'revoked']);
  t.is(doc?.versions[1]?.revocation?.reason, 'lost');
  t.is(doc?.revision, String(events.length - 1));
});

test('the registry evolve is pure: folding twice gives byte-identical documents', (t) => {
  const keyId = 'k2' as KeyId;
  const events = record(
    history(keyId, [
      [{ type: 'CreateKey', keyId, name: 'n', provider: 'pkcs11', algorithm: 'ecdsa-p256-sha256', publicKeyPem: pem(), providerRef: 'id:00' }, '2025-01-01T00:00:00.000Z'],
      [{ type: 'RevokeKey', keyId, version: 'all', reason: 'end' }, '2025-01-02T00:00:00.000Z'],
    ]),
    keyId,
  );
  t.is(JSON.stringify([...foldKeyRegistry(events)]), JSON.stringify([...foldKeyRegistry(events)]));
  t.is(foldKeyRegistry(events).get('k2')?.status, 'revoked');
  t.deepEqual(keyRegistryProjection.keysOf(events[0] as RecordedEvent), ['k2']);
});
