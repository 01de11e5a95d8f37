import test from 'ava';
import type { Checkpoint } from '../../domain/transparency/checkpoint';
import type { Result } from '../../domain/transparency/result';
import type { DecodedVerifier } from '../../domain/transparency/tlog-body.match';
import { TlogVerificationMemo } from '../../domain/transparency/tlog-verification.cache';
import type { TransparencyLog } from '../../domain/transparency/trusted-root';

// The memo only passes these through: their contents do not matter here.
const log = {} as TransparencyLog;
const verified = { ok: true, value: {} } as Result<Checkpoint>;
const refused: Result<Checkpoint> = { ok: false, reason: 'signature does not verify' };
const decodedKey = { ok: true, value: {} } as Result<DecodedVerifier>;

function counting<R>(answer: R): { calls: () => number; fn: () => R } {
  let n = 0;
  return { calls: () => n, fn: () => (n++, answer) };
}

test('a verified checkpoint is verified once and then remembered', (t) => {
  const memo = new TlogVerificationMemo();
  const verify = counting(verified);
  memo.checkpoint('note', log, verify.fn);
  memo.checkpoint('note', log, verify.fn);
  t.is(verify.calls(), 1);
});

test('what a client sends is not kept when it fails, or when it is longer than any real note or key (the memo outlives requests)', (t) => {
  const memo = new TlogVerificationMemo();
  const failing = counting(refused);
  memo.checkpoint('forged note', log, failing.fn);
  memo.checkpoint('forged note', log, failing.fn);
  t.is(failing.calls(), 2, 'a refused checkpoint is checked again, not remembered');

  const huge = `note\n${'x'.repeat(900 * 1024)}`;
  const ok = counting(verified);
  memo.checkpoint(huge, log, ok.fn);
  memo.checkpoint(huge, log, ok.fn);
  t.is(ok.calls(), 2, 'an oversized note is never kept');

  const badKey = counting<Result<DecodedVerifier>>({ ok: false, reason: 'PEM is neither a certificate nor a public key' });
  memo.pemVerifier('junk', badKey.fn);
  memo.pemVerifier('junk', badKey.fn);
  t.is(badKey.calls(), 2);

  const bigKey = counting(decodedKey);
  const bigPem = `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(600 * 1024)}\n-----END PUBLIC KEY-----`;
  memo.pemVerifier(bigPem, bigKey.fn);
  memo.pemVerifier(bigPem, bigKey.fn);
  t.is(bigKey.calls(), 2);

  const key = counting(decodedKey);
  memo.pemVerifier('-----BEGIN PUBLIC KEY-----\nMFkw…\n-----END PUBLIC KEY-----', key.fn);
  memo.pemVerifier('-----BEGIN PUBLIC KEY-----\nMFkw…\n-----END PUBLIC KEY-----', key.fn);
  t.is(key.calls(), 1, 'a real key is decoded once');
});
