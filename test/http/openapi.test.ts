import test from 'ava';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import winston from 'winston';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import { startReplayServer } from '../../src/audit/replay-server';
import { startTlogServer } from '../../src/tlog/tlog-server';
import { aRunningService } from '../support/service';
import { tempDir } from '../support/temp-dir';

/**
 * The API documents against the code: every documented operation is served
 * (a request to it is not the generic `route_not_found` 404), and every route
 * the route files register is documented. No YAML library is installed, so
 * the documents are read line by line: path keys at two spaces under
 * `paths:`, operations at four.
 */

const ROOT = join(__dirname, '..', '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

interface Operation {
  readonly method: string;
  /** OpenAPI template: `/api/v1/keys/{id}`. */
  readonly path: string;
}

interface SourceRoute {
  readonly method: string;
  readonly file: string;
  /** A string route as an OpenAPI template, or a RegExp route. */
  readonly route: string | RegExp;
}

const key = (op: Operation): string => `${op.method.toUpperCase()} ${op.path}`;
const describeRoute = (r: SourceRoute): string => `${r.method.toUpperCase()} ${String(r.route)} (${r.file})`;

/** The operations of an OpenAPI document: `^  /path:` keys under `paths:` and the `^    <method>:` keys under each. */
function documentedOperations(yaml: string): Operation[] {
  const ops: Operation[] = [];
  let inPaths = false;
  let path: string | null = null;
  for (const line of yaml.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      inPaths = /^paths:\s*$/.test(line);
      path = null;
      continue;
    }
    if (!inPaths) continue;
    const p = /^ {2}(\/\S*):\s*$/.exec(line);
    if (p) {
      path = p[1]!;
      continue;
    }
    if (/^ {2}\S/.test(line)) {
      path = null;
      continue;
    }
    const m = /^ {4}([a-z]+):\s*$/.exec(line);
    if (path !== null && m && (METHODS as readonly string[]).includes(m[1]!)) ops.push({ method: m[1]!, path });
  }
  return ops;
}

/** An express path (path-to-regexp 8 syntax, after JS unescaping) as an OpenAPI template: `:id` → `{id}`, `\:` → `:`. */
function toTemplate(expressPath: string): string {
  let out = '';
  for (let i = 0; i < expressPath.length; i++) {
    const c = expressPath[i]!;
    if (c === '\\') {
      out += expressPath[i + 1] ?? '';
      i++;
      continue;
    }
    const param = c === ':' ? /^:([A-Za-z_$][\w$]*)/.exec(expressPath.slice(i)) : null;
    if (param) {
      out += `{${param[1]!}}`;
      i += param[0].length - 1;
      continue;
    }
    out += c;
  }
  return out;
}

const ROUTE_CALL = /\brouter\.(get|post|put|delete|patch|head|options)\(\s*(?:(['"])((?:(?!\2)[^\\]|\\.)*)\2|\/((?:[^/\\\n]|\\.)+)\/([a-z]*)\s*,)/g;

/** `router.<method>('<path>' | /<regexp>/, …)` calls of a source file. */
function routesInSource(file: string): SourceRoute[] {
  const source = read(file);
  const routes: SourceRoute[] = [];
  for (const m of source.matchAll(ROUTE_CALL)) {
    const method = m[1]!;
    if (m[3] !== undefined) {
      // The source text is a JS string literal: undo its escapes first (`'\\:'` is the path `\:`).
      routes.push({ method, file, route: toTemplate(m[3].replace(/\\(.)/g, '$1')) });
    } else {
      routes.push({ method, file, route: new RegExp(m[4]!, m[5]) });
    }
  }
  return routes;
}

/** The route files a composition file mounts: its relative imports from `dir` ending in `.routes`. */
function mountedRouteFiles(compositionFile: string, dir: string): string[] {
  const source = read(compositionFile);
  const files: string[] = [];
  for (const m of source.matchAll(/from\s+'(\.[^']*\.routes)'/g)) {
    const file = join(dirname(compositionFile), `${m[1]!}.ts`);
    if (resolve(ROOT, file).startsWith(resolve(ROOT, dir))) files.push(file);
  }
  return files;
}

const fill = (template: string): string => template.replace(/\{[^}]+\}/g, 'placeholder');

function covers(route: SourceRoute, op: Operation): boolean {
  if (route.method !== op.method) return false;
  return typeof route.route === 'string' ? route.route === op.path : route.route.test(fill(op.path));
}

/** Documented operations no route serves, and routes no operation documents. */
function compare(ops: readonly Operation[], routes: readonly SourceRoute[]): { undocumented: string[]; unserved: string[] } {
  return {
    undocumented: routes.filter((r) => !ops.some((op) => covers(r, op))).map(describeRoute),
    unserved: ops.filter((op) => !routes.some((r) => covers(r, op))).map(key),
  };
}

/** Requests every operation with placeholder path parameters; returns the ones answered by the generic 404. */
async function unmatchedOnServer(baseUrl: string, ops: readonly Operation[]): Promise<string[]> {
  const unmatched: string[] = [];
  for (const op of ops) {
    const method = op.method.toUpperCase();
    const withBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
    const res = await fetch(`${baseUrl}${fill(op.path)}`, {
      method,
      redirect: 'manual',
      headers: { 'x-actor': 'openapi-test', ...(withBody ? { 'content-type': 'application/json' } : {}) },
      ...(withBody ? { body: '{}' } : {}),
    });
    const text = await res.text();
    if (res.status !== 404) continue;
    let code: unknown;
    try {
      code = (JSON.parse(text) as { code?: unknown }).code;
    } catch {
      code = undefined;
    }
    if (code === 'route_not_found') unmatched.push(`${key(op)} → ${fill(op.path)}`);
  }
  return unmatched;
}

const SERVICE_DOC = 'docs/api/openapi.yaml';
const TLOG_DOC = 'docs/api/tlog-openapi.yaml';
const REPLAY_DOC = 'docs/api/replay-openapi.yaml';

function serviceRoutes(): SourceRoute[] {
  return mountedRouteFiles('src/composition-root.ts', 'src/http/routes').flatMap(routesInSource);
}

function tlogRoutes(): SourceRoute[] {
  return ['src/tlog/tlog-server.ts', ...mountedRouteFiles('src/tlog/tlog-server.ts', 'src/tlog/http')].flatMap(routesInSource);
}

test('the route reader understands express paths', (t) => {
  t.is(toTemplate('/api/v1/keys/:id/rotate'), '/api/v1/keys/{id}/rotate');
  t.is(toTemplate('/api/v1/verify\\:batch'), '/api/v1/verify:batch');
  t.deepEqual(
    documentedOperations(['openapi: 3.1.0', 'paths:', '  /a/{id}:', '    get:', '      parameters: []', '    post:', '  /b:batch:', '    post:', 'components:', '  /c:', '    get:'].join('\n')),
    [
      { method: 'get', path: '/a/{id}' },
      { method: 'post', path: '/a/{id}' },
      { method: 'post', path: '/b:batch' },
    ],
  );
});

test('every route file the service mounts is read, and each registers routes', (t) => {
  const files = mountedRouteFiles('src/composition-root.ts', 'src/http/routes');
  t.deepEqual(
    files.map((f) => f.replace(/^.*\//, '')).sort(),
    ['attestations.routes.ts', 'audit.routes.ts', 'health.routes.ts', 'keys.routes.ts', 'sign.routes.ts', 'verify.routes.ts'],
  );
  for (const file of files) t.true(routesInSource(file).length > 0, `${file} registers no router.<method>('…') route`);
  t.true(tlogRoutes().some((r) => r.route instanceof RegExp), 'the tile route is a RegExp route');
});

test('every route the service registers is documented in docs/api/openapi.yaml, and nothing else', (t) => {
  const ops = documentedOperations(read(SERVICE_DOC));
  t.true(ops.length > 0, 'no operations found under paths:');
  const { undocumented, unserved } = compare(ops, serviceRoutes());
  t.deepEqual(undocumented, [], 'routes registered in src/http/routes but missing from the document');
  t.deepEqual(unserved, [], 'documented operations that no route file registers');
  const seen = new Set<string>();
  const duplicates = ops.map(key).filter((k) => (seen.has(k) ? true : (seen.add(k), false)));
  t.deepEqual(duplicates, []);
});

test('every operation in docs/api/openapi.yaml is served by the running service', async (t) => {
  const { url } = await aRunningService(t, { ATTESTOR_SUBMIT_WAIT_MS: '0' });
  const ops = documentedOperations(read(SERVICE_DOC));
  t.deepEqual(await unmatchedOnServer(url, ops), [], 'documented operations answered with route_not_found');
  // The check can fail: an undocumented path and a wrong method are the generic 404.
  t.deepEqual(await unmatchedOnServer(url, [{ method: 'get', path: '/api/v1/not-documented' }, { method: 'put', path: '/api/v1/keys' }]), [
    'GET /api/v1/not-documented → /api/v1/not-documented',
    'PUT /api/v1/keys → /api/v1/keys',
  ]);
});

test('every route of the local transparency log is documented in docs/api/tlog-openapi.yaml, and nothing else', (t) => {
  const ops = documentedOperations(read(TLOG_DOC));
  t.true(ops.length > 0, 'no operations found under paths:');
  const { undocumented, unserved } = compare(ops, tlogRoutes());
  t.deepEqual(undocumented, [], 'routes registered by the tlog server but missing from the document');
  t.deepEqual(unserved, [], 'documented operations that no tlog route registers');
});

test('every operation in docs/api/tlog-openapi.yaml is served by `attestor tlog serve`', async (t) => {
  const logger = winston.createLogger({ silent: true });
  const tlog = await startTlogServer({ dir: tempDir(t, 'attestor-tlog-openapi-'), name: 'openapi.tlog.test', host: '127.0.0.1', port: 0, logger });
  t.teardown(() => tlog.close());
  const ops = documentedOperations(read(TLOG_DOC));
  t.deepEqual(await unmatchedOnServer(tlog.url, ops), [], 'documented operations answered with route_not_found');
});

test('every route of `attestor replay --serve` is documented in docs/api/replay-openapi.yaml, served, and nothing else', async (t) => {
  const ops = documentedOperations(read(REPLAY_DOC));
  t.true(ops.length > 0, 'no operations found under paths:');
  const { undocumented, unserved } = compare(ops, routesInSource('src/http/routes/replay.routes.ts'));
  t.deepEqual(undocumented, [], 'routes registered by the replay server but missing from the document');
  t.deepEqual(unserved, [], 'documented operations that no replay route registers');

  const readModels = SqliteReadModelStore.open(join(tempDir(t, 'attestor-replay-openapi-'), 'scratch.sqlite'));
  t.teardown(() => readModels.close());
  const at = { asOf: { kind: 'position' as const, position: 0n }, position: { commit: 0n, prepare: 0n }, head: { commit: 0n, prepare: 0n } };
  const server = await startReplayServer({ readModels, at, models: [], host: '127.0.0.1', port: 0, logger: winston.createLogger({ silent: true }) });
  t.teardown(() => server.close());
  t.deepEqual(await unmatchedOnServer(server.url, ops), [], 'documented operations answered with route_not_found');
});
