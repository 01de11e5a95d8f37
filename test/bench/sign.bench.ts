import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as pkcs11js from 'pkcs11js';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { pae } from '../../domain/signing/dsse-envelope';
import { SystemClock } from '../../src/clock/system-clock';
import { containerWith } from '../../src/injection';
import { buildSigning } from '../../src/signing/signing.composition';
import type { SigningConfig } from '../../src/signing/signing.config';
import { initSoftHsmToken } from '../keys/helpers/softhsm';
import { alternating, BENCH_ROUNDS, BENCH_SECONDS, inFlight, note } from './load';
import { printTable, rate, type Figure } from './table';

const CONCURRENCY = Number(process.env['BENCH_SIGN_CONCURRENCY'] ?? 32);
const HSM_SESSIONS = 4;
const PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const PIN_ENV = 'ATTESTOR_BENCH_PKCS11_PIN';
const signCallback = promisify(sign);

/** A distinct in-toto statement per request, so every envelope is a new archive object and a new event stream. */
function statement(i: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: `artifact-${i}.tar.gz`, digest: { sha256: createHash('sha256').update(String(i)).digest('hex') } }],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: { buildDefinition: { buildType: 'https://example.com/bench/v1' } },
    }),
  );
}

/** The raw PKCS#11 path, on its own sessions of the same token and key: C_SignInit + C_Sign(SHA-256 digest) with CKM_ECDSA. */
class RawPkcs11 {
  private readonly lib = new pkcs11js.PKCS11();
  private readonly sessions: Buffer[] = [];
  private readonly keys: Buffer[] = [];

  constructor(modulePath: string, tokenLabel: string, pin: string, keyId: Buffer, sessions: number) {
    this.lib.load(modulePath);
    try {
      this.lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    } catch (error) {
      if (!(error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) throw error;
    }
    const slot = this.lib.C_GetSlotList(true).find((s) => this.lib.C_GetTokenInfo(s).label.trim() === tokenLabel);
    if (slot === undefined) throw new Error(`no token ${tokenLabel}`);
    for (let i = 0; i < sessions; i++) {
      const session = this.lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      if (i === 0) {
        try {
          this.lib.C_Login(session, pkcs11js.CKU_USER, pin);
        } catch (error) {
          if (!(error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_USER_ALREADY_LOGGED_IN)) throw error;
        }
      }
      this.lib.C_FindObjectsInit(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_ID, value: keyId },
      ]);
      const [key] = this.lib.C_FindObjects(session, 1);
      this.lib.C_FindObjectsFinal(session);
      if (key === undefined) throw new Error('raw PKCS#11: key not found');
      this.sessions.push(session);
      this.keys.push(key);
    }
  }

  signSync(digest: Buffer): Buffer {
    const session = this.sessions[0]!;
    this.lib.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, this.keys[0]!);
    return this.lib.C_Sign(session, digest, Buffer.alloc(132));
  }

  async signAsync(lane: number, digest: Buffer): Promise<Buffer> {
    const session = this.sessions[lane]!;
    this.lib.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, this.keys[lane]!);
    return this.lib.C_SignAsync(session, digest, Buffer.alloc(132));
  }

  close(): void {
    for (const s of this.sessions) this.lib.C_CloseSession(s);
  }
}

export async function benchSign(): Promise<void> {
  const token = initSoftHsmToken('attestor-bench');
  process.env[PIN_ENV] = token.pin;
  const dir = mkdtempSync(join(tmpdir(), 'attestor-bench-sign-'));
  const figures: Figure[] = [];
  const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  const config: SigningConfig = {
    keysDir: join(dir, 'keys'),
    pkcs11: { modulePath: token.modulePath, tokenLabel: token.tokenLabel, pin: { env: PIN_ENV }, sessions: HSM_SESSIONS },
    kms: { enabled: false },
    archive: { kind: 'filesystem', root: join(dir, 'archive') },
    breaker: {},
    maxPayloadBytes: 1024 * 1024,
  };
  const signing = buildSigning(config, containerWith(store, new SystemClock()));
  let raw: RawPkcs11 | undefined;
  try {
    const fileKey = await signing.keys.create({ name: 'bench file key', provider: 'file' });
    const hsmKey = await signing.keys.create({ name: 'bench hsm key', provider: 'pkcs11' });
    const fileVersion = fileKey.versions[0]!;
    const hsmVersion = hsmKey.versions[0]!;
    const messages = Array.from({ length: 1024 }, (_, i) => pae(PAYLOAD_TYPE, statement(i)));

    // --- file key -------------------------------------------------------------------------
    const privateKey: KeyObject = createPrivateKey(readFileSync(join(config.keysDir, fileVersion.providerRef), 'utf8'));
    const ioDir = join(dir, 'raw-io');
    mkdirSync(ioDir);
    let ioFiles = 0;
    let n = 0;
    const signFile = (): Promise<unknown> => signing.signing.sign({ keyIds: [fileKey.keyId], payloadType: PAYLOAD_TYPE, payload: statement(n++) });
    const file = await alternating(BENCH_SECONDS, BENCH_ROUNDS, {
      rawSync: (secs) => {
        let m = 0;
        return rate(secs, () => {
          sign('sha256', messages[m++ % messages.length]!, privateKey);
          return 1;
        });
      },
      rawAsync: (secs) => inFlight(secs, CONCURRENCY, (i) => signCallback('sha256', messages[i % messages.length]!, { key: privateKey, dsaEncoding: 'der' })),
      // The archive's I/O alone: one new file per envelope, written, fsynced and renamed into place.
      rawIo: (secs) =>
        inFlight(secs, CONCURRENCY, async (i) => {
          const target = join(ioDir, String(ioFiles++));
          const handle = await fs.open(`${target}.tmp`, 'wx', 0o444);
          try {
            await handle.writeFile(messages[i % messages.length]!);
            await handle.sync();
          } finally {
            await handle.close();
          }
          await fs.rename(`${target}.tmp`, target);
        }),
      e2eSeq: (secs) => inFlight(secs, 1, signFile),
      e2e: (secs) => inFlight(secs, CONCURRENCY, signFile),
    });
    const rawFile = Math.max(file.rawSync, file.rawAsync);
    const rawFileName = file.rawSync >= file.rawAsync ? 'raw node:crypto sign, sync' : `raw node:crypto sign, ${CONCURRENCY} in flight`;
    note(`sign: raw node:crypto P-256 sync ${file.rawSync.toFixed(0)}/s, ${CONCURRENCY} in flight ${file.rawAsync.toFixed(0)}/s; fsync'd file writes ${file.rawIo.toFixed(0)}/s`);

    figures.push({ name: 'raw node:crypto P-256 sign, sync (1 core)', value: file.rawSync, unit: 'sig/s' });
    figures.push({ name: `raw node:crypto P-256 sign, ${CONCURRENCY} in flight (libuv pool)`, value: file.rawAsync, unit: 'sig/s' });
    figures.push({ name: `raw fsync'd file write+rename (archive I/O), ${CONCURRENCY} in flight`, value: file.rawIo, unit: 'files/s' });
    figures.push({ name: 'file key end to end, 1 request at a time', value: file.e2eSeq, unit: 'envelopes/s', baseline: { name: rawFileName, value: rawFile } });
    figures.push({
      name: `file key end to end, ${CONCURRENCY} concurrent requests`,
      value: file.e2e,
      unit: 'envelopes/s',
      baseline: { name: rawFileName, value: rawFile },
      target: '≥ 0.50×',
    });
    figures.push({ name: `file key end to end, ${CONCURRENCY} concurrent requests`, value: file.e2e, unit: 'envelopes/s', baseline: { name: "raw fsync'd file writes", value: file.rawIo } });

    // --- SoftHSM2 key -----------------------------------------------------------------------
    raw = new RawPkcs11(token.modulePath, token.tokenLabel, token.pin, Buffer.from(hsmVersion.providerRef.slice(3), 'hex'), HSM_SESSIONS);
    const r = raw;
    const digests = messages.map((msg) => createHash('sha256').update(msg).digest());
    if (r.signSync(digests[0]!).length !== 64) throw new Error('raw PKCS#11 signature is not a 64-byte r‖s');
    const signHsm = (): Promise<unknown> => signing.signing.sign({ keyIds: [hsmKey.keyId], payloadType: PAYLOAD_TYPE, payload: statement(n++) });
    const hsm = await alternating(BENCH_SECONDS, BENCH_ROUNDS, {
      rawSync: (secs) => {
        let d = 0;
        return rate(secs, () => {
          r.signSync(digests[d++ % digests.length]!);
          return 1;
        });
      },
      // One lane per session, as the provider's session pool does.
      rawAsync: (secs) => inFlight(secs, HSM_SESSIONS, (i, lane) => r.signAsync(lane, digests[i % digests.length]!)),
      e2eSeq: (secs) => inFlight(secs, 1, signHsm),
      e2e: (secs) => inFlight(secs, CONCURRENCY, signHsm),
    });
    const rawHsm = Math.max(hsm.rawSync, hsm.rawAsync);
    const rawHsmName = hsm.rawSync >= hsm.rawAsync ? 'raw pkcs11js C_Sign, 1 session' : `raw pkcs11js C_SignAsync, ${HSM_SESSIONS} sessions`;
    note(`sign: raw pkcs11js C_Sign 1 session ${hsm.rawSync.toFixed(0)}/s, C_SignAsync on ${HSM_SESSIONS} sessions ${hsm.rawAsync.toFixed(0)}/s`);

    figures.push({ name: 'raw pkcs11js C_Sign (CKM_ECDSA, SHA-256 digest), 1 session', value: hsm.rawSync, unit: 'sig/s' });
    figures.push({ name: `raw pkcs11js C_SignAsync, ${HSM_SESSIONS} sessions`, value: hsm.rawAsync, unit: 'sig/s' });
    figures.push({ name: 'SoftHSM2 key end to end, 1 request at a time', value: hsm.e2eSeq, unit: 'envelopes/s', baseline: { name: rawHsmName, value: rawHsm } });
    figures.push({ name: `SoftHSM2 key end to end, ${CONCURRENCY} concurrent requests`, value: hsm.e2e, unit: 'envelopes/s', baseline: { name: rawHsmName, value: rawHsm } });

    // The figures count only if what was timed is real: one envelope from each key verifies independently.
    for (const [key, pem] of [
      [fileKey.keyId, fileVersion.publicKeyPem],
      [hsmKey.keyId, hsmVersion.publicKeyPem],
    ] as const) {
      const payload = statement(n++);
      const signed = await signing.signing.sign({ keyIds: [key], payloadType: PAYLOAD_TYPE, payload });
      const ok = verify('sha256', pae(PAYLOAD_TYPE, payload), createPublicKey(pem), Buffer.from(signed.envelope.signatures[0]!.sig, 'base64'));
      const archived = await signing.archive.get(signed.envelopeDigest);
      if (!ok || archived === null) throw new Error(`sign bench: an envelope of ${key} did not verify or was not archived`);
    }
    note(`sign: ${n} envelopes signed, each archived and recorded as an EnvelopeSigned event`);
  } finally {
    raw?.close();
    await signing.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    token.cleanup();
  }
  printTable('sign', figures);
}
