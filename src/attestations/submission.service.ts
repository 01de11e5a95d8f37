import type { LogTarget } from '../../domain/attestations/log-target';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../domain/attestations/retry-policy';
import type { SubmissionCommand } from '../../domain/attestations/submission.commands';
import { decide } from '../../domain/attestations/submission.decide';
import { SubmissionNotFoundError } from '../../domain/attestations/submission.errors';
import { SUBMISSION_EVENT_SCHEMA_VERSION, type EntryLogged, type SubmissionEvent } from '../../domain/attestations/submission.events';
import type { SubmissionRecord } from '../../domain/attestations/submission.state';
import type { Clock } from '../../domain/shared/clock';
import { envelopeBytes, parseEnvelope, type DsseEnvelope } from '../../domain/signing/dsse-envelope';
import { IN_TOTO_PAYLOAD_TYPE, parseInTotoStatement } from '../../domain/signing/in-toto-statement';
import { verifyDsseSignature } from '../../domain/signing/signature-verification';
import { dsseEntryLimitProblem, keyFromPem } from '../../domain/tlog/entry-request';
import { tlogEntryToJson } from '../../domain/transparency/bundle.write';
import { ConcurrencyError } from '../errors/concurrency-error';
import { ValidationError } from '../errors/app-error';
import { translatingDomainErrors } from '../errors/domain-errors';
import { inject, injectable } from '../injection';
import { CLOCK } from '../ports/clock';
import { EVENT_STORE, type EventStore } from '../ports/event-store';
import { OBJECT_STORE, type ObjectStore } from '../ports/object-store';
import type { LoggedEntry } from '../ports/transparency-log';
import { eventContext, newEvent, type CommandContext } from '../signing/command-context';
import { loadSubmission, submissionStream } from './submission-stream';

export interface SubmitResult {
  readonly submissionId: string;
  readonly envelopeDigest: string;
  /** The envelope as archived and logged: base64 fields in their canonical spelling, whichever the client sent. */
  readonly envelope: DsseEnvelope;
  /** False when this envelope had been submitted before: nothing new was written. */
  readonly created: boolean;
}

/** Finds the PEM public key of a DSSE `keyid` (our keys use the SPKI fingerprint); null when unknown. */
export type VerifierLookup = (keyid: string) => string | null;

/** Injection tokens of the submission policy: the configured logs (`LogTarget[]`), the verifier lookup, the retry policy. */
export const LOG_TARGETS = Symbol('LogTargets');
export const VERIFIER_LOOKUP = Symbol('VerifierLookup');
export const RETRY_POLICY = Symbol('RetryPolicy');

const SYSTEM: CommandContext = { actor: 'system:submission-worker' };

/**
 * Turns submission commands into events on the submission's stream: reads
 * the stream, decides, appends at the revision it read, and on a concurrent
 * write simply decides again (the decider is idempotent).
 */
@injectable()
export class SubmissionService {
  constructor(
    @inject(EVENT_STORE) private readonly store: EventStore,
    @inject(OBJECT_STORE) private readonly archive: ObjectStore,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOG_TARGETS) private readonly logs: readonly LogTarget[],
    @inject(VERIFIER_LOOKUP) private readonly lookupVerifier: VerifierLookup,
    @inject(RETRY_POLICY) private readonly retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  /**
   * Accepts a DSSE envelope for logging. Nothing is written unless the
   * envelope is well formed, carries exactly one signature (a Sigstore bundle
   * holds one), and that signature verifies with the given or registered key.
   */
  async submit(input: unknown, verifierPem: string | undefined, ctx: CommandContext): Promise<SubmitResult> {
    const parsed = parseEnvelope(input);
    if (!parsed.ok) throw new ValidationError(`envelope: ${parsed.reason}`, {}, 'invalid_envelope');
    const envelope = parsed.envelope;
    // Refused now rather than accepted (202) and then refused by the log.
    const refused = dsseEntryLimitProblem(envelope);
    if (refused !== undefined) throw new ValidationError(`envelope: ${refused}, which a transparency log refuses`, {}, 'invalid_envelope');
    if (envelope.signatures.length !== 1) {
      throw new ValidationError(`envelope carries ${envelope.signatures.length} signatures; submit envelopes with exactly one (a Sigstore bundle holds one)`, {}, 'invalid_envelope');
    }
    const signature = envelope.signatures[0]!;
    const pem = verifierPem ?? this.lookupVerifier(signature.keyid ?? '');
    if (!pem) {
      throw new ValidationError(`no key is registered with keyid ${JSON.stringify(signature.keyid ?? '')}: send the signer's PEM public key as "verifier"`, {}, 'unknown_signer');
    }
    const key = keyFromPem(pem);
    if (!key) throw new ValidationError('verifier is not a PEM public key or certificate', {}, 'invalid_verifier');
    if (!verifyDsseSignature(envelope, signature, key)) throw new ValidationError('the envelope signature does not verify with the signer key', {}, 'signature_invalid');
    const { digest } = await this.archive.put(envelopeBytes(envelope));
    return this.request(envelope, digest, pem, ctx);
  }

  /**
   * Submits an envelope this service has just signed and archived: its
   * signature is the service's own, made with the registered key `signerPem`,
   * so it is neither re-verified nor archived again.
   */
  submitSigned(envelope: DsseEnvelope, envelopeDigest: string, signerPem: string, ctx: CommandContext): Promise<SubmitResult> {
    if (envelope.signatures.length !== 1) {
      throw new ValidationError(`sign with exactly one key to submit (a Sigstore bundle holds one signature); ${envelope.signatures.length} were asked`, {}, 'invalid_envelope');
    }
    return this.request(envelope, envelopeDigest, signerPem, ctx);
  }

  private async request(envelope: DsseEnvelope, digest: string, pem: string, ctx: CommandContext): Promise<SubmitResult> {
    this.remember(digest, envelope);
    const subjects = subjectsOf(envelope);
    const outcome = await this.execute(digest, { type: 'RequestSubmission', submissionId: digest, envelopeDigest: digest, payloadType: envelope.payloadType, subjects, verifiers: [pem], logs: this.logs }, ctx);
    return { submissionId: digest, envelopeDigest: digest, envelope, created: outcome.length > 0 };
  }

  /** Envelopes submitted recently, so the worker need not read back what it was just handed (at most 64 MiB of payload). */
  private readonly recent = new Map<string, DsseEnvelope>();
  private recentBytes = 0;

  private remember(digest: string, envelope: DsseEnvelope): void {
    if (this.recent.has(digest)) return;
    this.recent.set(digest, envelope);
    this.recentBytes += envelope.payload.length;
    while (this.recentBytes > 64 * 1024 * 1024 || this.recent.size > 10_000) {
      const [oldest, dropped] = this.recent.entries().next().value!;
      this.recent.delete(oldest);
      this.recentBytes -= dropped.payload.length;
    }
  }

  recordAttempt(submissionId: string, log: string, error: string, retryable: boolean): Promise<SubmissionEvent[]> {
    return this.execute(submissionId, { type: 'RecordAttempt', log, error, retryable, jitter: Math.random() }, SYSTEM);
  }

  recordEntry(submissionId: string, log: string, entry: LoggedEntry): Promise<SubmissionEvent[]> {
    const data: Omit<EntryLogged['data'], 'submissionId' | 'envelopeDigest' | 'subjects' | 'loggedAt'> = {
      log,
      uuid: entry.uuid,
      logIndex: entry.logIndex,
      integratedTime: entry.integratedTime ?? null,
      inclusionProof: {
        logIndex: entry.inclusionProof.logIndex,
        rootHash: entry.inclusionProof.rootHash.toString('hex'),
        treeSize: entry.inclusionProof.treeSize,
        hashes: entry.inclusionProof.hashes.map((h) => h.toString('hex')),
      },
      checkpoint: entry.checkpoint,
      set: entry.set ? entry.set.toString('base64') : null,
      tlogEntry: tlogEntryToJson(entry.tlogEntry),
    };
    return this.execute(submissionId, { type: 'RecordEntry', entry: data }, SYSTEM);
  }

  requeue(submissionId: string, log: string, reason: string, ctx: CommandContext): Promise<SubmissionEvent[]> {
    if (!/^[0-9a-f]{64}$/.test(submissionId)) throw new ValidationError('a submission id is the envelope digest: 64 lowercase hex characters', {}, 'invalid_parameter');
    return this.execute(submissionId, { type: 'Requeue', log, reason }, ctx);
  }

  load(submissionId: string): Promise<SubmissionRecord> {
    return translatingDomainErrors(async () => {
      if (!/^[0-9a-f]{64}$/.test(submissionId)) throw new ValidationError('a submission id is the envelope digest: 64 lowercase hex characters', {}, 'invalid_parameter');
      const { state } = await loadSubmission(this.store, submissionId);
      if (!state.exists) throw new SubmissionNotFoundError(submissionId);
      return state;
    });
  }

  /** The envelope of a submission, from the archive (its digest is checked on read). */
  async envelope(envelopeDigest: string): Promise<DsseEnvelope> {
    const recent = this.recent.get(envelopeDigest);
    if (recent) return recent;
    const bytes = await this.archive.get(envelopeDigest);
    if (!bytes) throw new Error(`envelope ${envelopeDigest} is missing from the archive`);
    const parsed = parseEnvelope(JSON.parse(bytes.toString('utf8')));
    if (!parsed.ok) throw new Error(`archived envelope ${envelopeDigest} is malformed: ${parsed.reason}`);
    return parsed.envelope;
  }

  private execute(submissionId: string, command: SubmissionCommand, ctx: CommandContext): Promise<SubmissionEvent[]> {
    return translatingDomainErrors(async () => {
      for (let attempt = 0; ; attempt++) {
        const { state, revision } = await loadSubmission(this.store, submissionId);
        if (command.type !== 'RequestSubmission' && !state.exists) throw new SubmissionNotFoundError(submissionId);
        const now = this.clock.now();
        const events = decide(command, state, { now, retry: this.retry });
        if (events.length === 0) return events;
        const context = eventContext({ correlationId: submissionId, ...ctx }, now);
        try {
          await this.store.append(
            submissionStream(submissionId),
            events.map((e) => newEvent<string, unknown>(e, SUBMISSION_EVENT_SCHEMA_VERSION, context)),
            { expectedRevision: revision },
          );
          return events;
        } catch (error) {
          if (error instanceof ConcurrencyError && attempt < 10) continue;
          throw error;
        }
      }
    });
  }
}

function subjectsOf(envelope: DsseEnvelope): { name: string; digest: Record<string, string> }[] {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return [];
  const statement = parseInTotoStatement(Buffer.from(envelope.payload, 'base64'));
  if (!statement.ok) throw new ValidationError(`in-toto statement: ${statement.reason}`, {}, 'invalid_statement');
  return statement.statement.subject.map((s) => ({ name: s.name, digest: { ...s.digest } }));
}
