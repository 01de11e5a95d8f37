import { randomBytes, type KeyObject } from 'node:crypto';
import { ecdsaRawToDer } from '../../../domain/signing/ecdsa-signature';

/**
 * Test-only ECDSA P-256 signing of a pre-computed digest (what KMS does with
 * MessageType DIGEST), because node:crypto always hashes its input. Textbook
 * affine arithmetic with bigint; every signature it makes is checked by
 * node:crypto's verify in the tests, so a bug here cannot hide.
 */
const p = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const a = p - 3n;
const G: Point = [0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n, 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n];

type Point = readonly [bigint, bigint] | null;

const mod = (x: bigint, m: bigint): bigint => ((x % m) + m) % m;
function pow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}
const inv = (x: bigint, m: bigint): bigint => pow(x, m - 2n, m);

function add(P: Point, Q: Point): Point {
  if (P === null) return Q;
  if (Q === null) return P;
  const [x1, y1] = P;
  const [x2, y2] = Q;
  if (x1 === x2 && mod(y1 + y2, p) === 0n) return null;
  const l = x1 === x2 && y1 === y2 ? mod((3n * x1 * x1 + a) * inv(2n * y1, p), p) : mod((y2 - y1) * inv(x2 - x1, p), p);
  const x3 = mod(l * l - x1 - x2, p);
  return [x3, mod(l * (x1 - x3) - y1, p)];
}

function mul(k: bigint, P: Point): Point {
  let result: Point = null;
  let addend = P;
  let e = k;
  while (e > 0n) {
    if (e & 1n) result = add(result, addend);
    addend = add(addend, addend);
    e >>= 1n;
  }
  return result;
}

const toBig = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const to32 = (x: bigint): Buffer => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');

/** DER ECDSA signature over a 32-byte digest with a P-256 private key. */
export function signP256Digest(privateKey: KeyObject, digest: Uint8Array): Buffer {
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || jwk.d === undefined) throw new Error('need a P-256 private key');
  const d = toBig(Buffer.from(jwk.d, 'base64url'));
  const e = toBig(digest);
  for (;;) {
    const k = mod(toBig(randomBytes(40)), n - 1n) + 1n;
    const R = mul(k, G);
    if (R === null) continue;
    const r = mod(R[0], n);
    if (r === 0n) continue;
    const s = mod(inv(k, n) * (e + r * d), n);
    if (s === 0n) continue;
    return ecdsaRawToDer(Buffer.concat([to32(r), to32(s)]));
  }
}
