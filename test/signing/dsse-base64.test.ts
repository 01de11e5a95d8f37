import test from 'ava';
import fc from 'fast-check';
import { sign } from 'node:crypto';
import { submissionOf } from '../../adapters/rekor/log-verification';
import { readDsseBase64 } from '../../domain/signing/dsse-base64';
import { envelopeDigest, pae, parseEnvelope } from '../../domain/signing/dsse-envelope';
import { verifyDsseSignature } from '../../domain/signing/signature-verification';
import { acceptDsseV001 } from '../../domain/tlog/entry-body';
import { dsseEntryLimitProblem, parseDsseV001Request } from '../../domain/tlog/entry-request';
import { bundleForDsse, matchEntryBody, parseBundle, parseEntryBody } from '../../domain/transparency';
import { anEcdsaSigner, v1DsseRequest, type Envelope } from '../support/dsse';

/**
 * The one rule for DSSE base64 (payload and signatures[].sig): padded standard
 * or padded URL-safe RFC 4648 base64, one alphabet per text, unused bits zero.
 * Every text it accepts spells exactly one byte string, and the pipeline never
 * refuses later what its boundary accepted.
 */

const urlSafe = (bytes: Uint8Array): string => {
  const text = Buffer.from(bytes).toString('base64url');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
};

test('what real signers write is accepted: padded standard base64, and its URL-safe twin the DSSE spec also allows', (t) => {
  // The DSSE protocol.md test vector, as the reference implementation, go-securesystemslib and sigstore-js write it.
  const sig = 'A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==';
  for (const text of ['aGVsbG8gd29ybGQ=', sig, sig.replace(/\+/g, '-').replace(/\//g, '_'), '', 'xw==']) {
    const read = readDsseBase64(text);
    t.true(read.ok, text);
    if (read.ok) t.is(read.canonical, read.bytes.toString('base64'), text);
  }
});

test('each refused spelling says what is wrong with it', (t) => {
  const cases: [string, RegExp][] = [
    ['xx=', /padding is "=": .* ends in "=="/],
    ['xx', /padding is missing: .* ends in "=="/],
    ['aGVsbG8gd29ybGQ', /padding is missing: .* ends in "="/],
    ['AAAA=', /padding where none is due/],
    ['AAAAA', /truncated or has a stray character/],
    ['xx==', /unused bits set.*canonical spelling ends in "xw=="/],
    ['ab+_', /mixes the standard \(\+ \/\) and the URL-safe \(- _\) alphabets/],
    ['aGVs\nbG8=', /a line break at offset 4 is not base64/],
    ['aGVs bG8=', /the character " " at offset 4/],
    ['\u0141AAA', /the character "Ł" at offset 0/],
    ['A=AA', /'=' may only pad the end/],
    ['A===', /'=' may only pad the end/],
  ];
  for (const [text, reason] of cases) {
    const read = readDsseBase64(text);
    t.false(read.ok, JSON.stringify(text));
    if (!read.ok) t.regex(read.reason, reason, JSON.stringify(text));
  }
});

test('every byte string has exactly its two spellings, and both read back to it with the standard one as canonical', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const standard = Buffer.from(bytes).toString('base64');
      for (const text of [standard, urlSafe(bytes)]) {
        const read = readDsseBase64(text);
        t.true(read.ok && read.bytes.equals(bytes) && read.canonical === standard);
      }
    }),
    { numRuns: 2000 },
  );
});

test('every text the decoder accepts re-encodes to itself in its own alphabet', (t) => {
  const near = fc.uint8Array({ maxLength: 60 }).chain((bytes) =>
    fc.tuple(fc.constantFrom(Buffer.from(bytes).toString('base64'), urlSafe(bytes)), fc.nat(), fc.constantFrom('', 'A', 'Q', 'w', '=', '-', '+', '_', '/', '\n')).map(([text, at, insert]) => {
      const i = text.length === 0 ? 0 : at % text.length;
      // An insertion, a replacement and a deletion near the end, where padding and unused bits live.
      return [text.slice(0, i) + insert + text.slice(i), text.slice(0, i) + insert + text.slice(i + 1), text.slice(0, i) + text.slice(i + 1)];
    }),
  );
  fc.assert(
    fc.property(near, (texts) => {
      for (const text of texts) {
        const read = readDsseBase64(text);
        if (read.ok) t.true(text === read.bytes.toString('base64') || text === urlSafe(read.bytes), JSON.stringify(text));
        else t.true(read.reason.length > 0);
      }
    }),
    { numRuns: 3000 },
  );
});

// ---- The pipeline agrees with itself ----

const signer = anEcdsaSigner();
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** The ways a client may spell bytes, right and wrong. */
const SPELLINGS = ['standard', 'url-safe', 'unpadded', 'partial-padding', 'mixed', 'line-break', 'unused-bits', 'junk'] as const;

function spell(bytes: Buffer, how: (typeof SPELLINGS)[number], at: number): string {
  const standard = bytes.toString('base64');
  const i = standard.length === 0 ? 0 : at % standard.length;
  switch (how) {
    case 'standard':
      return standard;
    case 'url-safe':
      return urlSafe(bytes);
    case 'unpadded':
      return standard.replace(/=+$/, '');
    case 'partial-padding':
      return standard.endsWith('==') ? standard.slice(0, -1) : standard + '=';
    case 'mixed':
      return standard.replace('+', '-').replace(/\/(?=[^/]*$)/, '_');
    case 'line-break':
      return standard.slice(0, i) + '\n' + standard.slice(i);
    case 'unused-bits': {
      const body = standard.replace(/=+$/, '');
      if (body.length === standard.length) return standard;
      // The next character up differs only in the bits no byte uses: same bytes, another spelling.
      const next = ALPHABET.charAt(ALPHABET.indexOf(body.charAt(body.length - 1)) + 1);
      return body.slice(0, -1) + next + standard.slice(body.length);
    }
    case 'junk':
      return standard.slice(0, i) + '*' + standard.slice(i);
  }
}

const cases = fc.record({
  payload: fc.uint8Array({ maxLength: 120 }),
  payloadSpelling: fc.constantFrom(...SPELLINGS),
  sigSpelling: fc.constantFrom(...SPELLINGS),
  at: fc.nat(),
  emptySig: fc.boolean(),
});

test('nothing the submission boundary accepts is refused later by the log, the bundle or the verifier, and the local log refuses the same spellings', (t) => {
  const proof = { logIndex: 0, rootHash: Buffer.alloc(32), treeSize: 1, hashes: [], checkpoint: 'origin\n1\nroot\n\n— sig\n' };
  fc.assert(
    fc.property(cases, ({ payload, payloadSpelling, sigSpelling, at, emptySig }) => {
      const payloadBytes = Buffer.from(payload);
      const sigBytes = emptySig ? Buffer.alloc(0) : sign('sha256', pae(PAYLOAD_TYPE, payloadBytes), signer.privateKey);
      const sent: Envelope = { payload: spell(payloadBytes, payloadSpelling, at), payloadType: PAYLOAD_TYPE, signatures: [{ keyid: '', sig: spell(sigBytes, sigSpelling, at) }] };

      // The service's door (SubmissionService.submit): parse, then what a log would refuse.
      const parsed = parseEnvelope(sent);
      const accepted = parsed.ok && dsseEntryLimitProblem(parsed.envelope) === undefined;
      // The local log's door, given the envelope exactly as the client spelled it.
      const atLog = parseDsseV001Request(v1DsseRequest(sent, signer));
      t.is(atLog.ok, accepted, `${payloadSpelling}/${sigSpelling}: the service and the local log draw the line in the same place`);
      if (!parsed.ok || !accepted) return;

      const envelope = parsed.envelope;
      t.true(verifyDsseSignature(envelope, envelope.signatures[0]!, signer.publicKey));
      // One digest for the bytes, whichever spelling came in.
      t.is(envelopeDigest(envelope), envelopeDigest({ payload: payloadBytes.toString('base64'), payloadType: PAYLOAD_TYPE, signatures: [{ keyid: '', sig: sigBytes.toString('base64') }] }));
      const submission = submissionOf(envelope, signer.publicKeyPem);
      const request = parseDsseV001Request(v1DsseRequest(submission.envelope as Envelope, signer));
      if (!request.ok) return t.fail(request.reason);
      const logged = acceptDsseV001(request.value);
      if (!logged.ok) return t.fail(logged.reason);
      const body = parseEntryBody(logged.entry.body, 'dsse', '0.0.1');
      if (!body.ok) return t.fail(body.reason);
      const matched = matchEntryBody(body.value, submission.content, { $case: 'publicKey', publicKey: submission.publicKey });
      t.true(matched.ok, matched.ok ? '' : matched.reason);
      const entry = { logIndex: 0, logId: Buffer.alloc(32), kind: 'dsse', version: '0.0.1', integratedTime: 1, inclusionProof: proof, canonicalizedBody: logged.entry.body };
      const bundle = bundleForDsse(envelope, entry, { publicKeyHint: 'k' });
      if (!bundle.ok) return t.fail(bundle.reason);
      t.true(parseBundle(bundle.value).ok);
      return undefined;
    }),
    { numRuns: 400 },
  );
});
