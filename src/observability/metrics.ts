import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric the service exports, on one registry (no global state, so tests can build many). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'attestor_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpSeconds = new Histogram({
    name: 'attestor_http_request_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly appendSeconds = new Histogram({
    name: 'attestor_event_store_append_seconds',
    help: 'Latency of event-store appends, including the durable commit',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  readonly projectionLag = new Gauge({
    name: 'attestor_projection_lag_events',
    help: 'How far each projection is behind the head of the event store (positions)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly submissions = new Counter({
    name: 'attestor_submission_total',
    help: 'Submission outcomes per transparency log: logged, retry, deferred (log breaker open), rejected, abandoned',
    labelNames: ['log', 'result'] as const,
    registers: [this.registry],
  });
  readonly rekorSuccess = new Counter({
    name: 'attestor_rekor_success_total',
    help: 'Entries logged and verified, per transparency log',
    labelNames: ['log'] as const,
    registers: [this.registry],
  });
  readonly rekorRetry = new Counter({
    name: 'attestor_rekor_retry_total',
    help: 'Failed attempts that will be retried, per transparency log',
    labelNames: ['log'] as const,
    registers: [this.registry],
  });
  readonly inclusionLatency = new Histogram({
    name: 'rekor_inclusion_latency_seconds',
    help: 'From submission request to a verified inclusion proof',
    labelNames: ['log'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly verifySeconds = new Histogram({
    name: 'attestor_verify_seconds',
    help: 'Latency of a verification (POST /api/v1/verify)',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  readonly pendingSubmissions = new Gauge({
    name: 'attestor_pending_submissions',
    help: 'Submissions with at least one log still waiting for its entry',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'attestor_' });
  }
}

export const METRICS = Symbol('Metrics');
