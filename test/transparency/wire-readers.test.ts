import { readFileSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import { bundleVersionOf, parseBundle, parseBundleBySchema } from '../../domain/transparency/bundle';
import { readWellFormedBundle } from '../../domain/transparency/bundle.wire-reader';
import { ok } from '../../domain/transparency/result';
import { readDsseBase64 } from '../../domain/signing/dsse-base64';
import { decodeBase64, decodePaddedBase64, decodeProtoBytes } from '../../domain/transparency/bytes';
import { parseSpecBySchema } from '../../domain/transparency/rekor-body';
import { readWellFormedBody } from '../../domain/transparency/rekor-body.wire-reader';
import { bundleCases } from './vectors';

/**
 * The hand-written readers on the verification hot path must never disagree
 * with the zod schemas they stand in for: whenever a reader answers, the
 * schema gives the same value. (A reader may decline more than the schema;
 * then the schema decides.)
 */

const bundles = bundleCases().flatMap((c) => {
  try {
    return [{ name: c.name, json: JSON.parse(readFileSync(c.bundleFile, 'utf8')) as unknown }];
  } catch {
    return []; // a _fail case that is not JSON at all
  }
});

const bodies = bundles.flatMap(({ name, json }) => {
  const parsed = parseBundle(json);
  if (!parsed.ok) return [];
  return parsed.value.verificationMaterial.tlogEntries.map((e) => ({
    name,
    kindVersion: `${e.kind}/${e.version}`,
    json: JSON.parse(e.canonicalizedBody.toString('utf8')) as unknown,
  }));
});

/** Every path to a value inside a JSON document. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const here = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => pathsOf(v, [...prefix, i]))];
  if (typeof value === 'object' && value !== null) return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
  return here;
}

const DELETE = Symbol('delete');
/** Replacements chosen to hit each kind of check: types, nulls, empty values, bad base64, bad integers, prototype names. */
const replacements: readonly unknown[] = [
  DELETE, null, 0, -1, 1.5, '', '!!', '-1', '1.5', '01', 'constructor', [], {}, [{}], 'AAAA', 'AA==', 'AA=', 'AA', 'A', '_-_-', 'AAAA\nAAAA', 'AAAA====',
  '9007199254740993', 'sha256', 'SHA2_256', { algorithm: 'sha256', value: '00' },
];

function mutate(document: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(document) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (replacement === DELETE) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    parent[last] = replacement;
  }
  return copy;
}

test('the fast bundle reader reads every well-formed conformance bundle, with the same result as the schema', (t) => {
  for (const { name, json } of bundles) {
    const bySchema = parseBundleBySchema(json);
    const fast = readWellFormedBundle(json, bundleVersionOf);
    if (bySchema.ok) t.not(fast, undefined, `${name}: the fast reader declined a bundle the schema reads`);
    if (fast !== undefined) t.deepEqual(parseBundle(json), bySchema, name);
    t.deepEqual(parseBundle(json), bySchema, name);
  }
});

test('whenever a mutated bundle is read by the fast reader, the schema reads it the same way', (t) => {
  fc.assert(
    fc.property(fc.nat(bundles.length - 1), fc.nat(), fc.constantFrom(...replacements), (b, p, replacement) => {
      const { json } = bundles[b] as { json: unknown };
      const paths = pathsOf(json);
      const mutated = mutate(json, paths[p % paths.length] as (string | number)[], replacement);
      const fast = readWellFormedBundle(mutated, bundleVersionOf);
      if (fast !== undefined) t.deepEqual(parseBundle(mutated), parseBundleBySchema(mutated));
    }),
    { numRuns: 3000 },
  );
});

test('whenever a mutated entry body is read by the fast reader, the schema reads it the same way', (t) => {
  t.true(bodies.length > 0);
  fc.assert(
    fc.property(fc.nat(bodies.length - 1), fc.nat(), fc.constantFrom(...replacements), (b, p, replacement) => {
      const { json, kindVersion } = bodies[b] as { json: unknown; kindVersion: string };
      const paths = pathsOf(json);
      const mutated = mutate(json, paths[p % paths.length] as (string | number)[], replacement);
      const fast = readWellFormedBody(mutated, kindVersion);
      if (fast !== undefined) t.deepEqual(ok(fast), parseSpecBySchema(mutated, kindVersion));
    }),
    { numRuns: 3000 },
  );
});

test('the fast body reader reads every conformance entry body of the kinds it knows', (t) => {
  for (const { name, json, kindVersion } of bodies) {
    const fast = readWellFormedBody(json, kindVersion);
    if (['dsse/0.0.1', 'dsse/0.0.2', 'hashedrekord/0.0.1', 'hashedrekord/0.0.2'].includes(kindVersion)) t.not(fast, undefined, `${name} ${kindVersion}`);
    if (fast !== undefined) t.deepEqual(ok(fast), parseSpecBySchema(json, kindVersion), name);
  }
});

// The strict grammar, written independently of bytes.ts: full quads, then one
// partial quad whose padding is either complete or absent.
const STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;
const PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PADDED_URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** RFC 4648 §3.5: the bits of the last character that encode no byte (4 before "==", 2 before "=") are zero. */
function unusedBitsZero(padded: string): boolean {
  const pad = padded.endsWith('==') ? 2 : padded.endsWith('=') ? 1 : 0;
  if (pad === 0) return true;
  const last = padded.charAt(padded.length - pad - 1).replace('-', '+').replace('_', '/');
  return ALPHABET.indexOf(last) % (pad === 2 ? 16 : 4) === 0;
}

const base64ish = fc.oneof(
  // Characters Node's decoder reads, skips or stops at, including non-ASCII ones whose low byte is
  // a base64 character (it reads 'Ł' U+0141 as 'A', 'ĭ' U+012D as '-', '\u202f' as '/').
  fc.string({ unit: fc.constantFrom(...'AQgw09+/-_=\n\r\t !.é\u0000\u00ff\u0100\ud800\u0141\u012b\u012d\u015f\u012f\u202f\uff41'.split('')), maxLength: 300 }),
  fc.string({ unit: fc.constantFrom('A', 'Q', '\ud841\udc41', '\ud83d\ude00'), maxLength: 40 }),
  fc.uint8Array({ maxLength: 300 }).chain((bytes) =>
    fc.tuple(fc.constantFrom('base64', 'base64url'), fc.nat(), fc.constantFrom('', '=', '==', '===', '\n', '!', '-', '+', '_', '/', 'é', '\ud800', ' ', 'A', '\u0141', '\u012d', '\u202f', '\ud841\udc41')).map(([alphabet, at, insert]) => {
      const text = Buffer.from(bytes).toString(alphabet);
      const i = text.length === 0 ? 0 : at % text.length;
      return text.slice(0, i) + insert + text.slice(i);
    }),
  ),
);

test('base64 is decoded strictly: exactly the texts of the grammar, to exactly their bytes', (t) => {
  fc.assert(
    fc.property(base64ish, (text) => {
      t.deepEqual(decodeBase64(text), STD.test(text) ? Buffer.from(text, 'base64') : undefined);
      const unwrapped = text.replace(/\r?\n/g, '');
      const expected = STD.test(unwrapped) ? Buffer.from(unwrapped, 'base64') : URL.test(unwrapped) ? Buffer.from(unwrapped, 'base64url') : undefined;
      t.deepEqual(decodeProtoBytes(text), expected);
      t.deepEqual(decodePaddedBase64(text), PADDED.test(text) ? Buffer.from(text, 'base64') : undefined);
      // DSSE fields: padded, one alphabet, and the unused bits zero, so each byte string has one spelling per alphabet.
      const dsse = readDsseBase64(text);
      const dsseText = (PADDED.test(text) || PADDED_URL.test(text)) && unusedBitsZero(text);
      t.deepEqual(dsse.ok ? dsse.bytes : undefined, dsseText ? Buffer.from(text, 'base64') : undefined);
    }),
    { numRuns: 5000 },
  );
});

test('a Rekor v1 dsse body carries the envelope sig as submitted: a URL-safe one reads to the same bytes as its standard twin, by both readers', (t) => {
  const sig = Buffer.from([0xfb, 0xff, 0xbf, 0x3e, 0x00, 0x01, 0xfa]);
  const body = (text: string): unknown => ({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      payloadHash: { algorithm: 'sha256', value: 'ab'.repeat(32) },
      signatures: [{ signature: text, verifier: Buffer.from('-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n').toString('base64') }],
    },
  });
  const standard = sig.toString('base64');
  const urlSafe = standard.replace(/\+/g, '-').replace(/\//g, '_');
  t.not(standard, urlSafe, 'the bytes were chosen so that the two spellings differ');
  for (const text of [standard, urlSafe]) {
    const bySchema = parseSpecBySchema(body(text), 'dsse/0.0.1');
    const fast = readWellFormedBody(body(text), 'dsse/0.0.1');
    t.true(bySchema.ok, text);
    t.deepEqual(bySchema.ok && bySchema.value.$case === 'dsse' ? bySchema.value.signatures[0]?.signature : null, sig);
    t.deepEqual(fast?.$case === 'dsse' ? fast.signatures[0]?.signature : null, sig);
  }
  const mixed = `${standard.slice(0, 4)}${urlSafe.slice(4)}`;
  t.false(parseSpecBySchema(body(mixed), 'dsse/0.0.1').ok, 'mixed alphabets are refused, as Rekor refuses them');
  t.is(readWellFormedBody(body(mixed), 'dsse/0.0.1'), undefined);
});
