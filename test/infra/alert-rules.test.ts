import test from 'ava';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Metrics } from '../../src/observability/metrics';

const run = promisify(execFile);
/** dist/test/infra → the repository root, where infra/ is (it is not compiled). */
const alerts = join(__dirname, '..', '..', '..', 'infra', 'alerts');
const rulesText = readFileSync(join(alerts, 'attestor.rules.yaml'), 'utf8');

/** promtool comes with Debian's `prometheus` package; `.ci/run` installs it. */
async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('promtool', args, { cwd: alerts });
    return stdout;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool not found: apt-get install prometheus (it brings promtool)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

test('the alert rules are valid Prometheus rules', async (t) => {
  t.regex(await promtool('check', 'rules', 'attestor.rules.yaml'), /SUCCESS/);
});

test('every alert fires, and stays quiet, as its unit tests say', async (t) => {
  t.regex(await promtool('test', 'rules', 'attestor.rules.test.yaml'), /SUCCESS/);
});

test('every metric and label an alert selects is one the service exports (an alert on a missing series never fires)', async (t) => {
  const exported = new Map<string, { type: string; labels: readonly string[] }>();
  for (const metric of new Metrics().registry.getMetricsAsArray()) {
    const m = metric as unknown as { name: string; type: string; labelNames?: readonly string[] };
    exported.set(m.name, { type: String(m.type), labels: m.labelNames ?? [] });
  }
  const exprs = [...rulesText.matchAll(/expr: (\|\n(?:\s{10,}.*\n)+|.*\n)/g)].map((m) => m[1]!);
  t.true(exprs.length >= 10, 'every rule has an expression');
  let selectors = 0;
  for (const expr of exprs) {
    // Every series an expression names, with or without a label selector after it.
    for (const [, series, labelList] of expr.matchAll(/\b((?:attestor|rekor)_[a-z0-9_]+)(?:\{([^}]*)\})?/g)) {
      selectors++;
      const histogramPart = /^(.*)_(bucket|count|sum)$/.exec(series!);
      const name = histogramPart && exported.get(histogramPart[1]!)?.type === 'histogram' ? histogramPart[1]! : series!;
      const metric = exported.get(name);
      if (!metric) {
        t.fail(`an alert selects ${series}, which the service does not export`);
        continue;
      }
      for (const [, label] of (labelList ?? '').matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)) {
        // job and instance come from the scrape; le from the histogram.
        if (['job', 'instance', 'le'].includes(label!)) continue;
        t.true(metric.labels.includes(label!), `${series} has no label ${label}`);
      }
    }
  }
  t.true(selectors >= 10);
});
