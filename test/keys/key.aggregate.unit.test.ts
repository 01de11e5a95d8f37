import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import {
  activeSigningVersion,
  decide,
  foldKey,
  INITIAL_KEY_STATE,
  signingValidityAt,
  type KeyCommand,
  type KeyEvent,
  type KeyId,
  type KeyState,
  KeyDomainError,
  NO_MATERIAL_OWNERS,
  type MaterialOwners,
  fingerprintOf,
} from '../../domain/keys';

const keyId = 'k-test' as KeyId;
const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-02-01T00:00:00.000Z';
const T2 = '2025-03-01T00:00:00.000Z';
const T3 = '2025-04-01T00:00:00.000Z';

function newPem(curve = 'P-256'): string {
  return generateKeyPairSync('ec', { namedCurve: curve }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** given events, when a command at `now`, then events (or an error). */
function given(events: KeyEvent[], materialOwners: MaterialOwners = NO_MATERIAL_OWNERS) {
  const state = foldKey(events);
  return {
    state,
    when(command: KeyCommand, now = T1): KeyEvent[] {
      return decide(command, state, { now, materialOwners });
    },
  };
}

function created(pem = newPem(), now = T0): KeyEvent[] {
  return decide({ type: 'CreateKey', keyId, name: 'release signing', provider: 'file', algorithm: 'ecdsa-p256-sha256', publicKeyPem: pem, providerRef: 'a.pem' }, INITIAL_KEY_STATE, { now, materialOwners: NO_MATERIAL_OWNERS });
}

function errorOf(fn: () => unknown): KeyDomainError | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof KeyDomainError) return error;
    throw error;
  }
  return undefined;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof KeyDomainError ? error.code : `non-domain:${String(error)}`;
  }
  return undefined;
}

test('creating a key records KeyCreated and activates version 1', (t) => {
  const events = created();
  t.deepEqual(events.map((e) => e.type), ['KeyCreated', 'KeyVersionActivated']);
  const state = foldKey(events);
  t.true(state.exists);
  if (!state.exists) return;
  t.is(state.activeVersion, 1);
  t.is(state.versions[0]?.status, 'active');
  t.regex(state.versions[0]?.fingerprint ?? '', /^[0-9a-f]{64}$/);
});

test('registering an imported key records origin imported', (t) => {
  const [first] = decide({ type: 'RegisterKey', keyId, name: 'n', provider: 'kms', algorithm: undefined, publicKeyPem: newPem(), providerRef: 'arn:aws:kms:x' }, INITIAL_KEY_STATE, { now: T0, materialOwners: NO_MATERIAL_OWNERS });
  t.is(first?.type, 'KeyCreated');
  t.is(first?.type === 'KeyCreated' ? first.data.origin : undefined, 'imported');
});

test('creating a key twice is a conflict', (t) => {
  t.is(codeOf(() => given(created()).when({ type: 'CreateKey', keyId, name: 'x', provider: 'file', algorithm: 'ecdsa-p256-sha256', publicKeyPem: newPem(), providerRef: 'b.pem' })), 'key_already_exists');
});

test('a malformed PEM, an unsupported curve and an unknown provider are rejected with precise codes', (t) => {
  const base = { type: 'CreateKey' as const, keyId, name: 'x', provider: 'file' as const, algorithm: 'ecdsa-p256-sha256', providerRef: 'r' };
  t.is(codeOf(() => decide({ ...base, publicKeyPem: 'not a key' }, INITIAL_KEY_STATE, { now: T0, materialOwners: NO_MATERIAL_OWNERS })), 'malformed_pem');
  t.is(codeOf(() => decide({ ...base, publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }, INITIAL_KEY_STATE, { now: T0, materialOwners: NO_MATERIAL_OWNERS })), 'malformed_pem');
  t.is(codeOf(() => decide({ ...base, publicKeyPem: newPem('P-384') }, INITIAL_KEY_STATE, { now: T0, materialOwners: NO_MATERIAL_OWNERS })), 'unsupported_algorithm');
  t.is(codeOf(() => decide({ ...base, algorithm: 'rsa-pss', publicKeyPem: newPem() }, INITIAL_KEY_STATE, { now: T0, materialOwners: NO_MATERIAL_OWNERS })), 'unsupported_algorithm');
  t.is(codeOf(() => decide({ ...base, provider: 'vault' as never, publicKeyPem: newPem() }, INITIAL_KEY_STATE, { now: T0, materialOwners: NO_MATERIAL_OWNERS })), 'unknown_key_provider');
});

test('rotation activates a new version and retires the old one, which stays valid for what it signed', (t) => {
  const history = created();
  const rotation = given(history).when({ type: 'RotateKey', keyId, publicKeyPem: newPem(), providerRef: 'b.pem' }, T1);
  t.deepEqual(rotation.map((e) => e.type), ['KeyVersionActivated', 'KeyRotated']);
  t.like(rotation[1]?.data, { fromVersion: 1, toVersion: 2 });
  const state = foldKey([...history, ...rotation]);
  t.is(activeSigningVersion(state, keyId).version, 2);
  t.true(state.exists && state.versions[0]?.status === 'retired');
  t.true(signingValidityAt(state, 1, '2025-01-15T00:00:00Z').valid);
  t.true(signingValidityAt(state, 2, '2025-02-15T00:00:00Z').valid);
});

test('rotation to key material the key already had is refused', (t) => {
  const pem = newPem();
  t.is(codeOf(() => given(created(pem)).when({ type: 'RotateKey', keyId, publicKeyPem: pem, providerRef: 'c' })), 'key_material_reused');
});

test('material that any other key version owns — revoked ones included — is refused on create and on rotate, naming its owner', (t) => {
  const pem = newPem();
  const fingerprint = fingerprintOf(pem);
  const owners: MaterialOwners = new Map([[fingerprint, { keyId: 'ledger', version: 3 }]]);
  const create: KeyCommand = { type: 'RegisterKey', keyId, name: 'twin', provider: 'file', algorithm: undefined, publicKeyPem: pem, providerRef: 'b.pem' };
  const refusal = errorOf(() => given([], owners).when(create));
  t.is(refusal?.code, 'key_material_reused');
  t.regex(refusal?.message ?? '', /version 3 of key ledger/);
  t.like(refusal?.details, { keyId, fingerprint, ownerKeyId: 'ledger', ownerVersion: 3 });
  t.is(codeOf(() => given(created(), owners).when({ type: 'RotateKey', keyId, publicKeyPem: pem, providerRef: 'c.pem' })), 'key_material_reused');
});

test("a claim naming exactly the key version being written is that write's own, left by an attempt whose key events were not written", (t) => {
  const pem = newPem();
  const owners: MaterialOwners = new Map([[fingerprintOf(pem), { keyId, version: 1 }]]);
  const create: KeyCommand = { type: 'RegisterKey', keyId, name: 'n', provider: 'file', algorithm: undefined, publicKeyPem: pem, providerRef: 'b.pem' };
  t.is(given([], owners).when(create).length, 2);
  const history = created();
  t.is(given(history, new Map([[fingerprintOf(pem), { keyId, version: 2 }]])).when({ type: 'RotateKey', keyId, publicKeyPem: pem, providerRef: 'c.pem' }).length, 2);
  t.is(codeOf(() => given(history, new Map([[fingerprintOf(pem), { keyId, version: 3 }]])).when({ type: 'RotateKey', keyId, publicKeyPem: pem, providerRef: 'c.pem' })), 'key_material_reused');
});

test('a revoked version never signs again, and signatures it made after effectiveAt are invalid', (t) => {
  const history = created();
  const revocation = given(history).when({ type: 'RevokeKey', keyId, version: 1, reason: 'compromised', effectiveAt: '2025-01-20T00:00:00Z' }, T1);
  const state = foldKey([...history, ...revocation]);
  t.is(codeOf(() => activeSigningVersion(state, keyId)), 'key_revoked');
  t.true(signingValidityAt(state, 1, '2025-01-19T23:59:59.999Z').valid);
  const after = signingValidityAt(state, 1, '2025-01-20T00:00:00Z');
  t.false(after.valid);
  t.is(after.valid ? undefined : after.reason, 'revoked');
});

test('revocation cannot be undone or repeated, and revoking all ends the key', (t) => {
  const history = created();
  const all = given(history).when({ type: 'RevokeKey', keyId, version: 'all', reason: 'retired' }, T1);
  t.like(all[0]?.data, { version: 'all', versions: [1], effectiveAt: T1 });
  const after = [...history, ...all];
  t.is(codeOf(() => given(after).when({ type: 'RevokeKey', keyId, version: 1, reason: 'again' }, T2)), 'key_already_revoked');
  t.is(codeOf(() => given(after).when({ type: 'RevokeKey', keyId, version: 'all', reason: 'again' }, T2)), 'key_already_revoked');
  t.is(codeOf(() => given(after).when({ type: 'RotateKey', keyId, publicKeyPem: newPem(), providerRef: 'x' }, T2)), 'key_revoked');
});

test('after revoking only the active version, rotation brings a new signing version', (t) => {
  const history = [...created(), ...given(created()).when({ type: 'RevokeKey', keyId, version: 1, reason: 'lost' }, T1)];
  const rotation = given(history).when({ type: 'RotateKey', keyId, publicKeyPem: newPem(), providerRef: 'y' }, T2);
  t.like(rotation[1]?.data, { fromVersion: null, toVersion: 2 });
  t.is(activeSigningVersion(foldKey([...history, ...rotation]), keyId).version, 2);
});

test('revocation effective in the future, of an unknown version or without a reason is refused', (t) => {
  const g = given(created());
  t.is(codeOf(() => g.when({ type: 'RevokeKey', keyId, version: 1, reason: 'x', effectiveAt: T3 }, T1)), 'invalid_key_request');
  t.is(codeOf(() => g.when({ type: 'RevokeKey', keyId, version: 7, reason: 'x' }, T1)), 'key_version_not_found');
  t.is(codeOf(() => g.when({ type: 'RevokeKey', keyId, version: 1, reason: ' ' }, T1)), 'invalid_key_request');
  t.is(codeOf(() => g.when({ type: 'RevokeKey', keyId, version: 1, reason: 'x', effectiveAt: 'yesterday' }, T1)), 'invalid_key_request');
});

test('commands on a key that does not exist are not found', (t) => {
  t.is(codeOf(() => decide({ type: 'RotateKey', keyId, publicKeyPem: newPem(), providerRef: 'x' }, INITIAL_KEY_STATE, { now: T1, materialOwners: NO_MATERIAL_OWNERS })), 'key_not_found');
  t.is(codeOf(() => activeSigningVersion(INITIAL_KEY_STATE, keyId)), 'key_not_found');
});

test('signing validity rejects signing times before the version existed and unknown versions', (t) => {
  const state: KeyState = foldKey(created(newPem(), T1));
  const before = signingValidityAt(state, 1, T0);
  t.is(before.valid ? undefined : before.reason, 'not_yet_active');
  const unknown = signingValidityAt(state, 2, T2);
  t.is(unknown.valid ? undefined : unknown.reason, 'unknown_version');
  const noKey = signingValidityAt(INITIAL_KEY_STATE, 1, T2);
  t.is(noKey.valid ? undefined : noKey.reason, 'unknown_key');
});

test('the fold counts events so callers know the stream revision', (t) => {
  const state = foldKey(created());
  t.is(state.exists ? state.eventCount : 0, 2);
});
