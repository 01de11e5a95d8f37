import { EventEmitter } from 'node:events';
import type { PendingView } from '../../projections/submissions/submission-view';
import { SUBMISSIONS } from '../../projections/submissions/submissions.projection';
import { AppError, UnavailableError, UnsupportedEventVersionError, ValidationError } from '../errors/app-error';
import { inject, injectable } from '../injection';
import { LOGGER, type Logger } from '../observability/logger';
import { METRICS, Metrics } from '../observability/metrics';
import { READ_MODEL_STORE, type ReadModelStore } from '../ports/read-model-store';
import { TRANSPARENCY_LOGS, type TransparencyLog } from '../ports/transparency-log';
import { submissionStatus, type SubmissionRecord } from '../../domain/attestations/submission.state';
import { SubmissionService } from './submission.service';

/** How a wait for a submission ended: settled (with the record it settled in) or timed out. */
export type WaitOutcome = { readonly status: 'logged' | 'failed'; readonly record: SubmissionRecord } | { readonly status: 'timeout' };

/** A scan of the queue is not repeated sooner than this many times its own duration. */
export const SCAN_DUTY_FACTOR = 20;

export interface WorkerOptions {
  /** Submissions in flight at once, across logs. */
  readonly concurrency?: number;
  /** How often the queue is read when nothing pokes the worker. */
  readonly pollIntervalMs?: number;
}

/** Injection token of `WorkerOptions`. */
export const WORKER_OPTIONS = Symbol('WorkerOptions');

/**
 * Drains pending submissions: reads the queue from the submissions read
 * model, submits each due envelope to its log, and records the verified entry
 * or the failed attempt as events. The events are the truth: before each try
 * the worker re-reads the submission's stream, so a crash, a second worker or
 * a stale read model costs at most a harmless duplicate submission (the log
 * answers 409 with the existing entry).
 */
@injectable()
export class SubmissionWorker {
  private readonly inFlight = new Set<string>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly recorded = new EventEmitter();
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  /** Submissions whose stream holds an event this build cannot read: left to an upgraded worker. */
  private readonly unreadable = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    @inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @inject(SubmissionService) private readonly service: SubmissionService,
    @inject(TRANSPARENCY_LOGS) private readonly logs: ReadonlyMap<string, TransparencyLog>,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(METRICS) private readonly metrics: Metrics,
    @inject(WORKER_OPTIONS) private readonly options: WorkerOptions = {},
  ) {
    this.recorded.setMaxListeners(0);
  }

  start(): void {
    this.running = true;
    this.scheduleScan(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  /**
   * A submission was just requested: queue it at once, without reading the
   * queue's read model (which may not have folded it yet). Without an id,
   * look at the whole queue now.
   */
  poke(submissionId?: string): void {
    if (!this.running) return;
    if (submissionId === undefined) {
      this.scheduleScan(0);
      return;
    }
    for (const log of this.logs.keys()) this.enqueue(`${submissionId}/${log}`);
    this.pump();
  }

  /**
   * Resolves once the submission is settled — every required log has its
   * entry (`logged`) or one was abandoned (`failed`) — or `timeoutMs` passes
   * (`timeout`; the worker goes on). Woken by this process's worker, and by a
   * short poll for entries recorded by another process (`attestor worker`).
   */
  async waitUntilLogged(submissionId: string, timeoutMs: number): Promise<WaitOutcome> {
    // The settled record comes with the outcome: the caller answers from it without reading the stream again.
    const settled = async (): Promise<WaitOutcome | null> => {
      const record = await this.service.load(submissionId);
      const status = submissionStatus(record);
      return status === 'pending' ? null : { status, record };
    };
    return new Promise((resolve) => {
      let finished = false;
      const finish = (value: WaitOutcome): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        clearInterval(poll);
        this.recorded.off(submissionId, check);
        resolve(value);
      };
      const check = (): void => {
        void settled().then((s) => s && finish(s), () => undefined);
      };
      // Listen first, then look: an entry recorded in between is not missed.
      this.recorded.on(submissionId, check);
      const timer = setTimeout(() => finish({ status: 'timeout' }), timeoutMs);
      const poll = setInterval(check, 200);
      check();
    });
  }

  private enqueue(task: string): void {
    if (this.queued.has(task) || this.inFlight.has(task) || this.unreadable.has(task.slice(0, task.indexOf('/')))) return;
    this.queued.add(task);
    this.ready.push(task);
  }

  /** Starts queued tasks while there is room; each finished task makes room for the next. */
  private pump(): void {
    const limit = this.options.concurrency ?? 64;
    while (this.running && this.inFlight.size < limit && this.ready.length > 0) {
      const task = this.ready.shift()!;
      this.queued.delete(task);
      if (this.inFlight.has(task)) continue;
      const slash = task.indexOf('/');
      const submissionId = task.slice(0, slash);
      const log = task.slice(slash + 1);
      if ((this.pausedUntil.get(log) ?? 0) > Date.now()) continue; // the next scan picks it up again
      this.inFlight.add(task);
      void this.process(submissionId, log).finally(() => {
        this.inFlight.delete(task);
        this.pump();
      });
    }
  }

  private scheduleScan(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.scan(), ms);
  }

  /**
   * Reads the whole queue from the read model: what was submitted before a
   * restart, by another process, or is due again after a backoff. Runs every
   * poll interval, or sooner when a retry falls due.
   */
  private scan(): void {
    if (!this.running) return;
    const poll = this.options.pollIntervalMs ?? 1000;
    const started = performance.now();
    try {
      const now = Date.now();
      const pending = this.readModels.listDocuments<PendingView>(SUBMISSIONS, { prefix: 'pending:' });
      this.metrics.pendingSubmissions.set(pending.length);
      let nextDue = Infinity;
      for (const { doc } of pending) {
        for (const [log, due] of Object.entries(doc.due)) {
          const at = Math.max(due ? Date.parse(due) : 0, this.pausedUntil.get(log) ?? 0);
          if (at > now) nextDue = Math.min(nextDue, at);
          else this.enqueue(`${doc.submissionId}/${log}`);
        }
      }
      this.pump();
      // A long backlog (a log down for hours) makes each scan slow: never spend more than about
      // 1/SCAN_DUTY_FACTOR of the time scanning. New submissions are queued by poke() meanwhile.
      const spent = performance.now() - started;
      this.scheduleScan(Math.max(10, Math.min(poll, nextDue - Date.now()), spent * SCAN_DUTY_FACTOR));
    } catch (error) {
      this.logger.error('submission worker scan failed', { error: error instanceof Error ? error.message : String(error) });
      this.scheduleScan(poll);
    }
  }

  private async process(submissionId: string, logName: string): Promise<void> {
    const log = this.logs.get(logName);
    const context = { submissionId, log: logName };
    try {
      const record = await this.service.load(submissionId);
      const progress = record.logs[logName];
      if (!progress || progress.status !== 'pending') return;
      // The read model may lag the stream: the stream's own next-attempt time is what counts.
      if (progress.nextAttemptAt && Date.parse(progress.nextAttemptAt) > Date.now()) return;
      if (!log) {
        await this.service.recordAttempt(submissionId, logName, `transparency log ${logName} is not configured in this service`, true);
        return;
      }
      const envelope = await this.service.envelope(record.request.envelopeDigest);
      const entry = await log.submitDsse(envelope, record.request.verifiers[0] ?? '');
      const events = await this.service.recordEntry(submissionId, logName, entry);
      if (events.length > 0) {
        this.metrics.submissions.inc({ log: logName, result: 'logged' });
        this.metrics.rekorSuccess.inc({ log: logName });
        this.metrics.inclusionLatency.observe({ log: logName }, Math.max(0, (Date.now() - Date.parse(record.request.requestedAt)) / 1000));
        this.logger.info('entry logged', { ...context, uuid: entry.uuid, logIndex: entry.logIndex, created: entry.created });
      }
      this.recorded.emit(submissionId);
    } catch (error) {
      await this.failed(submissionId, logName, error);
    }
  }

  private async failed(submissionId: string, logName: string, error: unknown): Promise<void> {
    const context = { submissionId, log: logName };
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UnsupportedEventVersionError) {
      // Written by a newer Attestor: recording an attempt would append to a stream this build cannot
      // read, and every later try fails the same way. Skip it (said once) until an upgraded worker runs.
      if (!this.unreadable.has(submissionId)) this.logger.error('submission stream holds an event this build cannot read; skipping it', { ...context, error: message });
      this.unreadable.add(submissionId);
      return;
    }
    if (error instanceof UnavailableError && error.code === 'transparency_log_breaker_open') {
      // The log is known to be down: wait for the breaker instead of writing an attempt per envelope.
      this.pausedUntil.set(logName, Date.now() + error.retryAfterSeconds * 1000);
      this.metrics.submissions.inc({ log: logName, result: 'deferred' });
      this.metrics.rekorRetry.inc({ log: logName });
      this.logger.warn('transparency log breaker open; pausing', { ...context, retryAfterSeconds: error.retryAfterSeconds });
      return;
    }
    const retryable = !(error instanceof ValidationError) && !(error instanceof AppError && error.code === 'log_frozen');
    try {
      const events = await this.service.recordAttempt(submissionId, logName, message, retryable);
      const abandoned = events.some((e) => e.type === 'SubmissionAbandoned');
      // A log's refusal ends the submission too, but says more than a spent retry budget: count it as such.
      const result = !retryable ? 'rejected' : abandoned ? 'abandoned' : 'retry';
      this.metrics.submissions.inc({ log: logName, result });
      if (result === 'retry') this.metrics.rekorRetry.inc({ log: logName });
      this.logger.warn('submission attempt failed', { ...context, error: message, result });
      this.recorded.emit(submissionId);
    } catch (recordError) {
      this.logger.error('cannot record a submission attempt', { ...context, error: recordError instanceof Error ? recordError.message : String(recordError) });
    }
  }
}
