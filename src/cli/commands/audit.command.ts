import type { Command } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteReadModelStore } from '../../../adapters/read-models/sqlite.read-model-store';
import type { AuditRecord } from '../../../projections/audit-trail/audit-record';
import { AUDIT_TRAIL, auditTrailProjection } from '../../../projections/audit-trail/audit-trail.projection';
import { parseAuditQuery } from '../../audit/audit-filters';
import { queryAudit } from '../../audit/audit-query';
import { openEventStore } from '../../composition-root';
import { loadConfig, type Config } from '../../config/config';
import type { ReadModelStore } from '../../ports/read-model-store';
import { rebuildProjection } from '../../projections-runtime/rebuild';

interface AuditOptions {
  tenant?: string;
  subject?: string;
  key?: string;
  envelope?: string;
  actor?: string;
  type?: string;
  from?: string;
  to?: string;
  limit?: string;
  cursor?: string;
  json?: boolean;
  dataDir?: string;
  store?: string;
}

/**
 * `attestor audit`: the audit trail with the filters of GET /api/v1/audit.
 *
 * Where it reads: the live audit-trail read model (`read-models.sqlite` in the
 * data directory, read-only use) when it exists, has the current projection
 * version and has folded up to the store's head. Otherwise — no read model,
 * an older version, behind the head (a stopped service that missed events), or
 * `--store <file>` given — it folds the audit trail from the event store into
 * a scratch file that is deleted afterwards; the live read model is never
 * written. Both give the same records.
 */
export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('the audit trail: who did what, when and why, filtered; pages with --cursor')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--subject <digest>', 'only events about this artifact digest (sha256:<hex> or 64 hex)')
    .option('--key <keyId>', 'only events involving this key')
    .option('--envelope <digest>', 'only events about this DSSE envelope (hex SHA-256)')
    .option('--actor <actor>', 'only events by this actor')
    .option('--type <EventType>', 'only events of this type, e.g. EnvelopeSigned')
    .option('--from <time>', 'occurredAt at or after this RFC 3339 time')
    .option('--to <time>', 'occurredAt at or before this RFC 3339 time')
    .option('--limit <n>', 'at most this many records (1–1000)', '100')
    .option('--cursor <cursor>', 'continue after the previous page (printed on stderr, or `cursor` in --json)')
    .option('--json', 'print {items, cursor, source} as JSON')
    .option('--data-dir <dir>', 'data directory of the store and read models (ATTESTOR_DATA_DIR)')
    .option('--store <file>', 'fold the audit trail from this event store file (or esdb://…) instead of reading the read model')
    .addHelpText(
      'after',
      `
Reads the live audit-trail read model when it is current (same projection version, folded up to the
store's head); otherwise, or with --store, folds the audit trail from the event store into a scratch
file (the live read model is never written). Filters combine (AND); from/to are inclusive.`,
    )
    .action(async (opts: AuditOptions) => {
      const query = parseAuditQuery(
        Object.fromEntries(
          (['tenant', 'subject', 'key', 'envelope', 'actor', 'type', 'from', 'to', 'limit', 'cursor'] as const)
            .filter((k) => opts[k] !== undefined)
            .map((k) => [k, opts[k]]),
        ),
      );
      const config = loadConfig(process.env, {
        ...(opts.dataDir ? { ATTESTOR_DATA_DIR: opts.dataDir } : {}),
        ...(opts.store ? { ATTESTOR_EVENT_STORE: storeUrl(opts.store) } : {}),
      });
      await withAuditTrail(config, opts.store !== undefined, (readModels, source) => {
        const items: AuditRecord[] = [];
        let cursor = query.cursor ?? null;
        do {
          const page = queryAudit(readModels, { ...query, limit: query.limit - items.length, ...(cursor === null ? {} : { cursor }) });
          items.push(...page.items);
          cursor = page.cursor;
        } while (cursor !== null && items.length < query.limit);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ items, cursor, source }, null, 2)}\n`);
          return;
        }
        for (const r of items) process.stdout.write(`${line(r)}\n`);
        if (cursor !== null) process.stderr.write(`more: --cursor ${cursor}\n`);
      });
    });
}

export function storeUrl(store: string): string {
  return store.startsWith('esdb') ? store : `sqlite:${resolve(store)}`;
}

function line(r: AuditRecord): string {
  const what = [
    ...r.keyIds.map((k) => `key=${k}`),
    ...r.subjects.map((s) => `subject=${s}`),
    ...(r.envelopeDigest === null ? [] : [`envelope=${r.envelopeDigest}`]),
    ...r.logs.map((l) => `log=${l}`),
  ].join(' ');
  return [r.position, r.occurredAt, r.tenant, r.actor, r.type, r.outcome ?? '-', what || '-', r.correlationId].join('\t');
}

type Source = 'read-model' | 'folded';

async function withAuditTrail(config: Config, forceFold: boolean, work: (readModels: ReadModelStore, source: Source) => void): Promise<void> {
  const store = await openEventStore(config, { mustExist: true });
  try {
    if (!forceFold && existsSync(config.readModelFile)) {
      const live = SqliteReadModelStore.open(config.readModelFile);
      try {
        const checkpoint = live.checkpoint(AUDIT_TRAIL);
        const head = await store.headPosition();
        if (checkpoint !== null && checkpoint.version === auditTrailProjection.version && checkpoint.position.commit >= head.commit) {
          work(live, 'read-model');
          return;
        }
      } finally {
        live.close();
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'attestor-audit-'));
    const scratch = SqliteReadModelStore.open(join(dir, 'audit.sqlite'), 'NORMAL');
    try {
      await rebuildProjection(store, scratch, auditTrailProjection);
      work(scratch, 'folded');
    } finally {
      scratch.close();
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await store.close();
  }
}
