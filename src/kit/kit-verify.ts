import { pinProblem } from '../../domain/ledger/ledger-key-pin';
import { createReadStream, existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { RecordedEvent } from '../../domain/events/event';
import { keyIdentities } from '../../domain/keys/key-algorithm';
import { signingValidityAt } from '../../domain/keys/signing-validity';
import { LedgerAudit, type LedgerReport } from '../../domain/ledger/ledger-audit';
import { isLedgerCheckpoint, type LedgerCheckpointSignedData } from '../../domain/ledger/ledger.events';
import { ledgerLeafHash } from '../../domain/ledger/ledger-leaf';
import { canonicalJson } from '../../domain/shared/canonical-json';
import { sha256Hex } from '../../domain/shared/sha256';
import { envelopeBytes, parseEnvelope, type DsseEnvelope } from '../../domain/signing/dsse-envelope';
import { ENVELOPE_SIGNED, type EnvelopeSignedData } from '../../domain/signing/envelope.events';
import { verifyDsseSignature } from '../../domain/signing/signature-verification';
import { verifyConsistency, verifyInclusion } from '../../domain/transparency';
import { validateNewEvents } from '../../adapters/event-store/validate-new-events';
import { UnsupportedEventVersionError } from '../errors/app-error';
import { readCurrent } from '../events/read-current';
import { VerificationService } from '../signing/verification.service';
import { KitArchive, KitEventStore } from './kit-event-store';
import { KitKeys } from './kit-keys';
import {
  CHECKPOINT_FILE,
  CheckpointFileSchema,
  envelopeDigestOf,
  envelopeFile,
  EVENTS_FILE,
  KEYS_FILE,
  MANIFEST_FILE,
  MANIFEST_PAYLOAD_TYPE,
  ManifestSchema,
  parseEventLine,
  PROOFS_FILE,
  ProofLineSchema,
  TLOG_FILE,
  toNewEvent,
  TRUST_ROOT_FILE,
  type KitManifest,
} from './kit-format';
import { canonicalDigest, extractKit, fileDigest, type ExtractedKit } from './kit-tar';
import { describeEntry, KitTlogVerifier, type TlogStats } from './kit-tlog';
import { parseTrust, type KitTrust } from './kit-trust';

const HEX64 = /^[0-9a-f]{64}$/;

/** What was verified, counted: a kit "verifies every envelope signature and every log proof" when these equal the kit's counts. */
export interface KitStats {
  readonly envelopes: { readonly total: number; readonly signaturesVerified: number };
  readonly tlog: TlogStats;
}

export interface KitCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface KitReport {
  readonly ok: boolean;
  readonly kit: string;
  readonly sha256: string;
  readonly manifest: KitManifest | null;
  readonly checks: readonly KitCheck[];
  /** Every failure, the most fundamental first: the first one is the reason a kit is refused. */
  readonly failures: readonly string[];
  readonly warnings: readonly string[];
  readonly ledger: LedgerReport | null;
  /** Streams that do not start at revision 0 or have gaps: such a (partial) kit cannot be imported. */
  readonly incompleteStreams: readonly string[];
  /** Counts of envelope signatures and transparency-log checks that passed (null when verification stopped before them). */
  readonly stats: KitStats | null;
}

export interface VerifyKitOptions {
  /** `--trust`: pins the ledger key and gives the transparency-log keys. Without it the kit's own key history is believed. */
  readonly trust?: KitTrust;
}

/** Extracts a kit into a scratch directory for `work`, then removes it. */
export async function withExtractedKit<T>(file: string, work: (dir: string, extracted: ExtractedKit) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'attestor-kit-verify-'));
  try {
    return await work(dir, await extractKit(file, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `attestor kit verify`: everything a kit claims, checked with no network. Never throws on a damaged kit. */
export async function verifyKit(file: string, options: VerifyKitOptions = {}): Promise<KitReport> {
  try {
    return await withExtractedKit(file, (dir, extracted) => verifyExtractedKit(file, dir, extracted, options));
  } catch (error) {
    // The archive could not even be read (a damaged tar header, a truncated file): that is a failed check too.
    const reason = `the kit cannot be read as an archive: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, kit: file, sha256: '', manifest: null, checks: [{ name: 'archive', ok: false, detail: reason }], failures: [`archive: ${reason}`], warnings: [], ledger: null, incompleteStreams: [], stats: null };
  }
}

/**
 * Never throws on bad input: anything unexpected in a kit is a failed check.
 * `onEvent` sees every event the verification reads, as stored, in kit order
 * (what import checks with the store's rules while the kit is read for
 * verification, instead of reading it again); it must not throw.
 */
export async function verifyExtractedKit(file: string, dir: string, extracted: ExtractedKit, options: VerifyKitOptions, onEvent?: (stored: RecordedEvent) => void): Promise<KitReport> {
  try {
    return await verifyExtracted(file, dir, extracted, options, onEvent);
  } catch (error) {
    const reason = `verification stopped: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, kit: file, sha256: '', manifest: null, checks: [{ name: 'kit', ok: false, detail: reason }], failures: [`kit: ${reason}`], warnings: [], ledger: null, incompleteStreams: [], stats: null };
  }
}

/**
 * Reads the events of an extracted kit, one at a time, in kit order; from the `from`th on (the lines before are not
 * parsed). `canonical: false`: see `parseEventLine`.
 */
export async function* kitEvents(dir: string, from = 0, options: { readonly canonical?: boolean } = {}): AsyncGenerator<RecordedEvent> {
  let index = 0;
  for await (const line of createInterface({ input: createReadStream(path.join(dir, EVENTS_FILE)), crlfDelay: Infinity })) {
    if (index < from) {
      index++;
      continue;
    }
    const parsed = parseEventLine(line, index++, options);
    if (!parsed.ok) throw new Error(parsed.reason);
    yield parsed.event;
  }
}

/** At most this many events the store's rules refuse are named in the events check; the rest are counted. */
const SHOWN_RULE_BREAKS = 5;

/** Why the store would refuse to append this event (adapters/event-store/validate-new-events), or null. */
export function storeRuleProblem(e: RecordedEvent): string | null {
  try {
    validateNewEvents(e.stream, [toNewEvent(e)]);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const prefix = `append to ${e.stream}, event 0: `;
    return message.startsWith(prefix) ? message.slice(prefix.length) : message;
  }
}

async function verifyExtracted(file: string, dir: string, extracted: ExtractedKit, options: VerifyKitOptions, onEvent: ((stored: RecordedEvent) => void) | undefined): Promise<KitReport> {
  const checks: KitCheck[] = [];
  const warnings: string[] = [];
  const check = (name: string, ok: boolean, detail: string): boolean => {
    checks.push({ name, ok, detail });
    return ok;
  };
  const kitDigest = await fileDigest(file);
  let stats: KitStats | null = null;
  const finish = (manifest: KitManifest | null, ledger: LedgerReport | null, incompleteStreams: readonly string[] = []): KitReport => ({
    ok: checks.every((c) => c.ok),
    kit: file,
    sha256: kitDigest.sha256,
    manifest,
    checks,
    failures: checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`),
    warnings,
    ledger,
    incompleteStreams,
    stats,
  });

  // 1. The archive itself: plain files only, and byte-identical to the canonical packing of its contents
  //    (so no header, padding or trailer byte can change without notice).
  check('archive', extracted.problems.length === 0, extracted.problems.join('; ') || `${extracted.files.length} files`);
  if (extracted.problems.length === 0) {
    const canonical = await canonicalDigest(dir, extracted.files);
    const sorted = [...extracted.files].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const inOrder = sorted.every((f, i) => f === extracted.files[i]);
    check('archive canonical form', canonical === kitDigest.sha256 && inOrder, canonical === kitDigest.sha256 && inOrder ? 'byte-identical to the canonical packing of its files' : 'the archive bytes differ from the canonical packing of its files (header, padding or order altered)');
  }

  // 2. The manifest and its signature envelope.
  if (!extracted.files.includes(MANIFEST_FILE)) {
    check('manifest', false, `${MANIFEST_FILE} is missing`);
    return finish(null, null);
  }
  const manifestEnvelope = parseEnvelope(await readJson(dir, MANIFEST_FILE));
  let manifest: KitManifest | null = null;
  let envelope: DsseEnvelope | null = null;
  if (manifestEnvelope.ok && manifestEnvelope.envelope.payloadType === MANIFEST_PAYLOAD_TYPE && manifestEnvelope.envelope.signatures.length === 1) {
    envelope = manifestEnvelope.envelope;
    try {
      const parsed = ManifestSchema.safeParse(JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')));
      if (parsed.success && canonicalJson(parsed.data) === Buffer.from(envelope.payload, 'base64').toString('utf8')) manifest = parsed.data;
    } catch {
      manifest = null;
    }
  }
  if (!check('manifest', manifest !== null && envelope !== null, manifest ? `${manifest.files.length} files listed` : `${MANIFEST_FILE} is not a single-signature DSSE envelope of a canonical kit manifest`) || manifest === null || envelope === null) {
    return finish(null, null);
  }

  // 3. Every file's digest; nothing unlisted.
  const listed = new Set(manifest.files.map((f) => f.path));
  const present = new Set(extracted.files);
  const digestProblems: string[] = [];
  for (const f of manifest.files) {
    if (!present.has(f.path)) {
      digestProblems.push(`${f.path} is listed but missing`);
      continue;
    }
    const actual = await fileDigest(path.join(dir, f.path));
    if (actual.sha256 !== f.sha256 || actual.size !== f.size) digestProblems.push(`${f.path} has SHA-256 ${actual.sha256} (${actual.size} bytes), the manifest says ${f.sha256} (${f.size} bytes)`);
  }
  for (const f of extracted.files) if (f !== MANIFEST_FILE && !listed.has(f)) digestProblems.push(`${f} is not listed in the manifest`);
  check('file digests', digestProblems.length === 0, digestProblems.join('; ') || `${manifest.files.length} files match their SHA-256`);

  // 4. Events: hash chains, ledger tree, checkpoints. Key events and signing records are kept for the signature checks.
  const trust = options.trust ?? (listed.has(TRUST_ROOT_FILE) ? await kitTrustRoot(dir, warnings) : undefined);
  const audit = new LedgerAudit({
    mode: manifest.selection.partial ? 'partial' : 'complete',
    origin: manifest.origin,
    read: readCurrent,
    ...(options.trust?.ledgerKeys ? { pinnedKeys: options.trust.ledgerKeys } : {}),
  });
  const keyStore = new KitEventStore();
  const keyRegistry = new KitKeys();
  const signings: EnvelopeSignedData[] = [];
  const entryLogged = new Map<string, unknown>();
  const envelopeDigests = new Set<string>();
  const submissionVerifiers = new Map<string, string[]>();
  /** When each envelope submitted from elsewhere was first submitted: an upper bound of its signing time. */
  const submittedAt = new Map<string, string>();
  const proofs = manifest.selection.partial ? proofReader(dir) : null;
  const root = Buffer.from(manifest.checkpoint.rootHash, 'hex');
  const eventProblems: string[] = [];
  const proofProblems: string[] = [];
  /** The last event, in its current shape. */
  let last: RecordedEvent | null = null;
  let unreadable: UnsupportedEventVersionError | null = null;
  let count = 0;
  let ruleBreaks = 0;
  let lastLeafIndex = -1;
  let previousCheckpoint: { id: string; data: LedgerCheckpointSignedData } | null = null;
  try {
    for await (const stored of kitEvents(dir)) {
      onEvent?.(stored);
      // The rules every store applies to an append: a kit an import would see refused does not verify.
      const broken = storeRuleProblem(stored);
      if (broken !== null && ruleBreaks++ < SHOWN_RULE_BREAKS) eventProblems.push(`event ${count} (${JSON.stringify(stored.id)}) would be refused by the store: ${broken}`);
      // What the checks read is the current shape; hashes, leaves and proofs are over the stored event.
      const e = readCurrent(stored);
      count++;
      audit.add(stored);
      if (keyRegistry.add(e)) keyStore.add(stored);
      if (e.type === ENVELOPE_SIGNED) signings.push(e.data as EnvelopeSignedData);
      if (e.type === 'EntryLogged') entryLogged.set(e.id, e.data);
      const named = envelopeDigestOf(e);
      if (named !== null) envelopeDigests.add(named);
      if (e.type === 'SubmissionRequested' && named !== null) {
        const verifiers = (e.data as { verifiers?: unknown }).verifiers;
        if (Array.isArray(verifiers)) submissionVerifiers.set(named, [...(submissionVerifiers.get(named) ?? []), ...verifiers.filter((v): v is string => typeof v === 'string')]);
        const requestedAt = (e.data as { requestedAt?: unknown }).requestedAt;
        if (typeof requestedAt === 'string' && !submittedAt.has(named)) submittedAt.set(named, requestedAt);
      }
      if (last !== null && isLedgerCheckpoint(last)) previousCheckpoint = { id: last.id, data: last.data as LedgerCheckpointSignedData };
      if (proofs !== null && e.id !== manifest.checkpoint.eventId) {
        const line = await proofs.next();
        const proof = line.done ? null : line.value;
        if (proof === null || proof.id !== e.id) {
          proofProblems.push(`event ${e.id} has no inclusion proof in ${PROOFS_FILE} at its place`);
        } else if (proof.leafIndex <= lastLeafIndex || proof.leafIndex >= manifest.checkpoint.treeSize) {
          proofProblems.push(`event ${e.id}: leaf index ${proof.leafIndex} is out of order or beyond the checkpoint (reordered or inserted event)`);
        } else {
          lastLeafIndex = proof.leafIndex;
          const verdict = verifyInclusion({ leafIndex: proof.leafIndex, treeSize: manifest.checkpoint.treeSize, hashes: proof.hashes.map((h) => Buffer.from(h, 'hex')) }, ledgerLeafHash(stored), root);
          if (!verdict.ok) proofProblems.push(`event ${e.id} (leaf ${proof.leafIndex}): ${verdict.reason}`);
        }
      }
      last = e;
    }
    if (proofs !== null && !(await proofs.next()).done) proofProblems.push(`${PROOFS_FILE} holds more proofs than the kit has events`);
  } catch (error) {
    if (error instanceof UnsupportedEventVersionError) unreadable = error;
    else eventProblems.push(error instanceof Error ? error.message : String(error));
  }
  if (unreadable !== null) {
    // A kit written by a newer Attestor: nothing after this could be checked truthfully with this build.
    check('event versions', false, unreadable.message);
    return finish(manifest, null);
  }
  const ledger = audit.finish();
  if (ruleBreaks > SHOWN_RULE_BREAKS) eventProblems.push(`${ruleBreaks - SHOWN_RULE_BREAKS} more events would be refused by the store`);
  if (count !== manifest.counts.events) eventProblems.push(`the kit holds ${count} events, the manifest says ${manifest.counts.events}`);
  if (!manifest.selection.partial && count !== manifest.checkpoint.treeSize + 1) {
    eventProblems.push(`a complete kit holds the ${manifest.checkpoint.treeSize} events its checkpoint covers and the checkpoint: expected ${manifest.checkpoint.treeSize + 1} events, found ${count}`);
  }
  check('events', eventProblems.length === 0, eventProblems.join('; ') || `${count} events in canonical form`);
  check('hash chains', !ledger.failures.some((f) => f.check === 'chain' || f.check === 'duplicate'), ledger.failures.filter((f) => f.check === 'chain' || f.check === 'duplicate').map((f) => f.message).join('; ') || `${ledger.streams} streams`);

  // 5. The checkpoint the kit is cut at: last event, signed, consistent with the previous one, and the events' proofs.
  const cpProblems: string[] = [];
  const cpEvent = last !== null && last.id === manifest.checkpoint.eventId && isLedgerCheckpoint(last) ? last : null;
  const cpData = cpEvent?.data as LedgerCheckpointSignedData | undefined;
  if (cpData === undefined) cpProblems.push(`the last event is not the checkpoint ${manifest.checkpoint.eventId} the manifest names`);
  else if (cpData.treeSize !== manifest.checkpoint.treeSize || cpData.rootHash !== manifest.checkpoint.rootHash || cpData.signedAt !== manifest.checkpoint.signedAt || cpData.origin !== manifest.origin) {
    cpProblems.push('the checkpoint event does not say what the manifest says');
  }
  const cpFile = CheckpointFileSchema.safeParse(await readJson(dir, CHECKPOINT_FILE));
  if (!cpFile.success) cpProblems.push(`${CHECKPOINT_FILE} is malformed`);
  else if (cpData !== undefined) {
    const f = cpFile.data;
    if (f.eventId !== manifest.checkpoint.eventId || f.treeSize !== cpData.treeSize || f.rootHash !== cpData.rootHash || f.checkpoint !== cpData.checkpoint) cpProblems.push(`${CHECKPOINT_FILE} does not match the checkpoint event`);
    if (f.previous !== null) {
      if (!manifest.selection.partial && (previousCheckpoint === null || previousCheckpoint.id !== f.previous.eventId || previousCheckpoint.data.rootHash !== f.previous.rootHash || previousCheckpoint.data.treeSize !== f.previous.treeSize)) {
        cpProblems.push(`${CHECKPOINT_FILE}: the previous checkpoint is not the kit's previous checkpoint event`);
      }
      if (f.previous.treeSize > 0) {
        const consistent = verifyConsistency({ size1: f.previous.treeSize, size2: f.treeSize, hashes: f.previous.consistencyProof.map((h) => Buffer.from(h, 'hex')) }, Buffer.from(f.previous.rootHash, 'hex'), Buffer.from(f.rootHash, 'hex'));
        if (!consistent.ok) cpProblems.push(`consistency with the previous checkpoint (size ${f.previous.treeSize}): ${consistent.reason}`);
      }
    }
  }
  const cpFailures = ledger.failures.filter((f) => f.check === 'checkpoint' || f.check === 'merkle' || f.check === 'key').map((f) => f.message);
  check('ledger checkpoint', cpProblems.length === 0 && cpFailures.length === 0, [...cpProblems, ...cpFailures].join('; ') || `tree of ${manifest.checkpoint.treeSize} events, root ${manifest.checkpoint.rootHash.slice(0, 16)}…, signed by ${cpData?.keyId ?? '?'} v${cpData?.keyVersion ?? '?'}`);
  if (manifest.selection.partial) check('ledger inclusion proofs', proofProblems.length === 0, proofProblems.slice(0, 5).join('; ') || `${count - 1} events proved against the checkpoint`);
  else check('ledger tree', ledger.ok, ledger.ok ? `root recomputed over all ${manifest.checkpoint.treeSize} events` : 'see the ledger checkpoint check');
  if (options.trust?.ledgerKeys === undefined) warnings.push('the ledger key is the one the kit itself records (pass --trust with ledgerKeys to pin it)');

  // 6. The manifest signature, by the ledger key version that signed the checkpoint's registry.
  const manifestSig = envelope.signatures[0];
  let manifestOk = false;
  let manifestDetail = 'no checkpoint to tie the manifest to';
  if (cpData !== undefined && manifestSig !== undefined) {
    const state = keyRegistry.stateOf(cpData.keyId);
    const version = state.exists ? state.versions.find((v) => v.fingerprint === manifestSig.keyid) : undefined;
    const validity = state.exists && version !== undefined ? signingValidityAt(state, version.version, cpData.signedAt) : null;
    if (version === undefined || validity === null) manifestDetail = `signed by keyid ${manifestSig.keyid ?? ''}, which is no version of the ledger key ${cpData.keyId}`;
    else if (!validity.valid) manifestDetail = validity.message;
    else if (options.trust?.ledgerKeys !== undefined && pinProblem(options.trust.ledgerKeys, version.fingerprint, cpData.signedAt) !== undefined) {
      manifestDetail = `signed by ${cpData.keyId} v${version.version}: ${pinProblem(options.trust.ledgerKeys, version.fingerprint, cpData.signedAt)}`;
    }
    else if (!verifyDsseSignature(envelope, manifestSig, validity.publicKeyPem)) manifestDetail = 'the DSSE signature does not verify';
    else {
      manifestOk = true;
      manifestDetail = `signed by ${cpData.keyId} v${version.version}`;
    }
  }
  check('manifest signature', manifestOk, manifestDetail);

  // 7. Counts, the key file, every envelope and its signatures.
  const countProblems: string[] = [];
  if (envelopeDigests.size !== manifest.counts.envelopes) countProblems.push(`the events name ${envelopeDigests.size} envelopes, the manifest says ${manifest.counts.envelopes}`);
  if (entryLogged.size !== manifest.counts.tlogEntries) countProblems.push(`${entryLogged.size} EntryLogged events, the manifest says ${manifest.counts.tlogEntries}`);
  const keysFile = keyRegistry.file();
  if (canonicalJson(keysFile) !== ((await fs.readFile(path.join(dir, KEYS_FILE), 'utf8').catch(() => '')) || '')) countProblems.push(`${KEYS_FILE} does not match the key events`);
  if (keysFile.keys.length !== manifest.counts.keys) countProblems.push(`${keysFile.keys.length} keys, the manifest says ${manifest.counts.keys}`);
  check('contents', countProblems.length === 0, countProblems.join('; ') || 'counts and key material match the events');

  // Every envelope the events name: a signing record's against the key registry as it stood when it was signed
  // (the service's own VerificationService); one submitted from elsewhere with the key recorded with its submission.
  // Each envelope is read, hashed and parsed once: its transparency-log entries (8.) are checked while it is in hand,
  // their problems kept for the report of 8., in the kit's order.
  const keyByFingerprint = new Map(keysFile.keys.flatMap((k) => k.versions.map((v) => [v.fingerprint, v.publicKeyPem] as const)));
  const envelopeAt = async (digest: string): Promise<{ envelope: DsseEnvelope | null; problem: string | null }> => {
    if (!HEX64.test(digest)) return { envelope: null, problem: `envelope digest ${JSON.stringify(digest.slice(0, 70))} is not a hex SHA-256` };
    const bytes = await fs.readFile(path.join(dir, envelopeFile(digest))).catch(() => null);
    if (bytes === null || sha256Hex(bytes) !== digest) return { envelope: null, problem: `envelope ${digest} is missing or does not hash to its name` };
    const parsed = parseEnvelope(safeJson(bytes.toString('utf8')));
    if (!parsed.ok || !envelopeBytes(parsed.envelope).equals(bytes)) return { envelope: null, problem: `envelope ${digest} is not a canonical DSSE envelope` };
    return { envelope: parsed.envelope, problem: null };
  };
  /** The key that verifies the (first) signature of an envelope: its registered key version, or the key its submission recorded. */
  const signerPemOf = (envelope: DsseEnvelope, digest: string): string | null => {
    const sig = envelope.signatures[0];
    if (sig === undefined) return null;
    const registered = keyByFingerprint.get(sig.keyid ?? '');
    const candidates = [...(registered === undefined ? [] : [registered]), ...(submissionVerifiers.get(digest) ?? [])];
    return candidates.find((pem) => verifyDsseSignature(envelope, sig, pem)) ?? null;
  };
  const tlog = new KitTlogVerifier(trust);
  /** The EntryLogged events naming each envelope, in kit order; an envelope's are removed once checked. */
  const entriesOf = new Map<string, string[]>();
  for (const [id, data] of entryLogged) {
    const digest = (data as { envelopeDigest?: unknown } | null)?.envelopeDigest;
    if (typeof digest !== 'string') continue;
    const ids = entriesOf.get(digest);
    if (ids === undefined) entriesOf.set(digest, [id]);
    else ids.push(id);
  }
  const entryVerdicts = new Map<string, string[]>();
  /** The problems of every log entry of the envelope `digest` names (`envelope` null: not in the kit or unusable). */
  const checkEntriesOf = (digest: string, envelope: DsseEnvelope | null): void => {
    const ids = entriesOf.get(digest);
    if (ids === undefined) return;
    entriesOf.delete(digest);
    const signerPem = envelope === null ? null : signerPemOf(envelope, digest);
    for (const id of ids) entryVerdicts.set(id, tlog.verify(entryLogged.get(id), envelope, signerPem));
  };
  const verification = new VerificationService(keyStore, new KitArchive((d) => fs.readFile(path.join(dir, envelopeFile(d))).catch(() => null)));
  const envelopeProblems: string[] = [];
  const signedHere = new Set(signings.map((s) => s.envelopeDigest));
  let signaturesVerified = 0;
  let signaturesUnchecked = 0;
  let revokedSinceSigning = 0;
  let revokedSubmitted = 0;
  const expectedEnvelopeFiles = new Set([...envelopeDigests].filter((d) => HEX64.test(d)).map(envelopeFile));
  for (const f of extracted.files) if (f.startsWith('envelopes/') && !expectedEnvelopeFiles.has(f)) envelopeProblems.push(`${f} is no envelope the events record`);
  for (const record of signings) {
    const { envelope, problem } = await envelopeAt(record.envelopeDigest);
    checkEntriesOf(record.envelopeDigest, envelope);
    if (envelope === null) {
      envelopeProblems.push(problem ?? `envelope ${record.envelopeDigest} is unusable`);
      continue;
    }
    const verdict = await verification.verifyAsSigned(envelope, record);
    // A revocation is checked before the signature itself: a signature that never verified must stay a failure.
    const revokedButGenuine = (s: (typeof verdict.signatures)[number], i: number): boolean => {
      const pem = keyByFingerprint.get(s.keyid);
      const signature = envelope.signatures[i];
      return s.reason === 'revoked' && pem !== undefined && signature !== undefined && verifyDsseSignature(envelope, signature, pem);
    };
    if (!verdict.valid && verdict.problems.length === 0 && verdict.signatures.every((s, i) => s.valid || revokedButGenuine(s, i))) {
      // Revoked since, effective before the signing (a compromise): the ledger's own key events say so.
      // Such envelopes no longer verify, as intended, but the kit is still a faithful copy of the ledger.
      revokedSinceSigning++;
    } else if (!verdict.valid) {
      const why = [...verdict.signatures.filter((s) => !s.valid).map((s) => `${s.keyId ?? s.keyid}: ${s.reason ?? ''} ${s.message ?? ''}`), ...verdict.problems];
      envelopeProblems.push(`envelope ${record.envelopeDigest}: ${why.join('; ')}`);
    } else signaturesVerified++;
  }
  for (const digest of envelopeDigests) {
    if (signedHere.has(digest)) continue;
    const { envelope, problem } = await envelopeAt(digest);
    checkEntriesOf(digest, envelope);
    if (envelope === null) {
      envelopeProblems.push(problem ?? `envelope ${digest} is unusable`);
      continue;
    }
    const known = [...(submissionVerifiers.get(digest) ?? []), ...envelope.signatures.flatMap((s) => keyByFingerprint.get(s.keyid ?? '') ?? [])];
    if (known.length === 0) {
      signaturesUnchecked++;
      continue;
    }
    const verifying = envelope.signatures.map((s) => known.find((pem) => verifyDsseSignature(envelope, s, pem)));
    const bad = verifying.filter((pem) => pem === undefined).length;
    if (envelope.signatures.length === 0 || bad > 0) {
      envelopeProblems.push(`envelope ${digest} (submitted from elsewhere): ${envelope.signatures.length === 0 ? 'no signature' : `${bad} signature(s) do not verify with the key recorded with its submission`}`);
      continue;
    }
    // A signer key that is registered here answers to the registry, as POST /api/v1/verify judges it:
    // its revocation (effective before the submission) applies, whatever keyid the envelope carries.
    const signedBy = submittedAt.get(digest);
    let revoked = false;
    for (const [i, pem] of verifying.entries()) {
      // Any key may sign elsewhere (Ed25519, RSA, a certificate): only a registered one is judged here.
      const fingerprint = keyIdentities(pem!).find((id) => keyByFingerprint.has(id));
      if (signedBy === undefined || fingerprint === undefined) continue;
      const [judged] = (await verification.verifyAt({ ...envelope, signatures: [{ ...envelope.signatures[i]!, keyid: fingerprint }] }, signedBy)).signatures;
      if (judged?.reason === 'revoked') revoked = true;
    }
    if (revoked) revokedSubmitted++;
    else signaturesVerified++;
  }
  if (revokedSinceSigning + revokedSubmitted > 0) {
    warnings.push(`${revokedSinceSigning + revokedSubmitted} envelope(s) were signed by key versions this ledger later revoked with an effectiveAt before the signing: they no longer verify (as intended); the kit's integrity is not affected`);
  }
  if (signaturesUnchecked > 0) warnings.push(`${signaturesUnchecked} envelope(s) submitted from elsewhere have no signer key in this (partial) kit: their signatures were not checked`);
  check('envelope signatures', envelopeProblems.length === 0, envelopeProblems.slice(0, 5).join('; ') || `${signaturesVerified} envelopes verify (${signings.length - revokedSinceSigning} against the key registry as of signing, ${signaturesVerified - (signings.length - revokedSinceSigning)} with the key recorded with their submission)${revokedSinceSigning + revokedSubmitted > 0 ? `; ${revokedSinceSigning + revokedSubmitted} signed by keys revoked since` : ''}`);

  // 8. Transparency-log entries: every EntryLogged proof, with the domain verifier and the log keys of the trust root.
  const tlogProblems: string[] = [];
  const entryProblems = async (data: unknown, count: boolean): Promise<string[]> => {
    const digest = (data as { envelopeDigest?: unknown } | null)?.envelopeDigest;
    const { envelope } = typeof digest === 'string' ? await envelopeAt(digest) : { envelope: null };
    return tlog.verify(data, envelope, envelope === null || typeof digest !== 'string' ? null : signerPemOf(envelope, digest), count);
  };
  for (const [id, data] of entryLogged) {
    for (const p of entryVerdicts.get(id) ?? (await entryProblems(data, true))) tlogProblems.push(`${describeEntry(data)} (event ${id}): ${p}`);
  }
  tlogProblems.push(...(await checkTlogFile(dir, entryLogged, (data) => entryProblems(data, false))));
  if (tlog.uncheckedCheckpoints > 0) warnings.push(`${tlog.uncheckedCheckpoints} transparency-log checkpoint signature(s) not checked: no log keys (pass --trust with a trusted root or logKeys)`);
  if (tlog.uncheckedSets > 0) warnings.push(`${tlog.uncheckedSets} signed entry timestamp(s) not checked: their logs are not in a trusted root (pass --trust with a trusted root listing them)`);
  const s = tlog.stats;
  check(
    'transparency-log proofs',
    tlogProblems.length === 0,
    tlogProblems.slice(0, 5).join('; ') ||
      `${s.entries} entries: ${s.inclusionProofs} inclusion proofs, ${s.checkpointSignatures} checkpoint signatures, ${s.sets} SETs, ${s.bodies} entry bodies verified${trust ? ` with the log keys of ${trust.source}` : ''}`,
  );
  stats = { envelopes: { total: envelopeDigests.size, signaturesVerified }, tlog: { ...tlog.stats } };

  warnings.push(...ledger.warnings.filter((w) => !w.includes('after the latest checkpoint')));
  return finish(manifest, ledger, audit.incompleteStreams());
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

async function readJson(dir: string, file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, file), 'utf8')) as unknown;
  } catch {
    return null;
  }
}

async function kitTrustRoot(dir: string, warnings: string[]): Promise<KitTrust | undefined> {
  try {
    const trust = parseTrust(await readJson(dir, TRUST_ROOT_FILE), TRUST_ROOT_FILE);
    warnings.push(`transparency-log keys come from the kit's own ${TRUST_ROOT_FILE} (pass --trust to use yours)`);
    return { logVerifiers: trust.logVerifiers, ...(trust.trustedRoot ? { trustedRoot: trust.trustedRoot } : {}), source: trust.source };
  } catch (error) {
    warnings.push(`${TRUST_ROOT_FILE} is unusable: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function proofReader(dir: string): AsyncIterator<ReturnType<typeof ProofLineSchema.parse> | null> {
  const file = path.join(dir, PROOFS_FILE);
  async function* lines(): AsyncGenerator<ReturnType<typeof ProofLineSchema.parse> | null> {
    if (!existsSync(file)) return;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      try {
        const parsed = ProofLineSchema.safeParse(JSON.parse(line));
        yield parsed.success && canonicalJson(parsed.data) === line ? parsed.data : null;
      } catch {
        yield null;
      }
    }
  }
  return lines();
}

/**
 * `tlog/entries.ndjson`, the entries as a convenience copy: one line per
 * EntryLogged event, equal to what the event recorded. A line that differs is
 * verified on its own too, so a forged proof is named as such.
 */
async function checkTlogFile(dir: string, logged: ReadonlyMap<string, unknown>, verifyEntry: (data: unknown) => Promise<string[]>): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Set<string>();
  const file = path.join(dir, TLOG_FILE);
  let lineNo = 0;
  if (existsSync(file)) {
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      lineNo++;
      const value = safeJson(line) as { eventId?: unknown; entry?: unknown } | null;
      if (value === null || typeof value !== 'object') {
        problems.push(`${TLOG_FILE} line ${lineNo} is not JSON`);
        continue;
      }
      const id = typeof value.eventId === 'string' ? value.eventId : '';
      const recorded = logged.get(id);
      if (recorded === undefined || seen.has(id)) {
        problems.push(`${TLOG_FILE} line ${lineNo}: event ${id} is no EntryLogged event of the kit, or is listed twice`);
        continue;
      }
      seen.add(id);
      if (canonicalJson(value.entry ?? null) !== canonicalJson(recorded)) {
        const own = await verifyEntry(value.entry);
        problems.push(`${TLOG_FILE} line ${lineNo}: ${describeEntry(value.entry)} is not what EntryLogged event ${id} recorded${own.length > 0 ? `, and ${own.join('; ')}` : ''}`);
      }
    }
  }
  for (const id of logged.keys()) if (!seen.has(id)) problems.push(`EntryLogged event ${id} has no line in ${TLOG_FILE}`);
  return problems;
}
