import test from 'ava';
import { Command } from 'commander';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dsse } from '@sigstore/core';
import { registerKeysCommand } from '../../src/cli/commands/keys.command';
import { registerSignCommand } from '../../src/cli/commands/sign.command';

async function run(args: string[]): Promise<string> {
  const program = new Command('attestor').exitOverride();
  registerKeysCommand(program);
  registerSignCommand(program);
  const chunks: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  });
  try {
    await program.parseAsync(['node', 'attestor', ...args]);
  } finally {
    process.stdout.write = original;
  }
  return chunks.join('');
}

test.serial('attestor keys create|list|show|rotate|revoke and attestor sign work on a data directory', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attestor-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const d = ['--data-dir', dir];

  const created = JSON.parse(await run(['keys', 'create', '--name', 'cli key', ...d])) as { keyId: string; versions: { publicKeyPem: string }[] };
  t.regex(created.keyId, /^k-/);
  t.regex(await run(['keys', 'list', ...d]), new RegExp(`^${created.keyId}\\tactive\\tv1\\tfile`));

  const payloadFile = path.join(dir, 'payload.txt');
  writeFileSync(payloadFile, 'release notes');
  const envelopeFile = path.join(dir, 'envelope.json');
  const digest = (await run(['sign', '--key', created.keyId, '--type', 'text/plain', '--payload', payloadFile, '--out', envelopeFile, ...d])).trim();
  t.regex(digest, /^[0-9a-f]{64}$/);
  const envelope = JSON.parse(readFileSync(envelopeFile, 'utf8')) as { payload: string; payloadType: string; signatures: { sig: string }[] };
  const pae = dsse.preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload, 'base64'));
  t.true(verify('sha256', pae, createPublicKey(created.versions[0]?.publicKeyPem ?? ''), Buffer.from(envelope.signatures[0]?.sig ?? '', 'base64')));

  const rotated = JSON.parse(await run(['keys', 'rotate', created.keyId, ...d])) as { activeVersion: number };
  t.is(rotated.activeVersion, 2);
  const revoked = JSON.parse(await run(['keys', 'revoke', created.keyId, '--reason', 'test over', ...d])) as { revoked: boolean };
  t.true(revoked.revoked);
  const shown = JSON.parse(await run(['keys', 'show', created.keyId, ...d])) as { versions: { status: string }[] };
  t.deepEqual(shown.versions.map((v) => v.status), ['revoked', 'revoked']);
  await t.throwsAsync(run(['sign', '--key', created.keyId, '--type', 'text/plain', '--payload', payloadFile, ...d]), { message: /revoked/ });
});
