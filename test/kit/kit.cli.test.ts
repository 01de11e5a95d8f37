import test from 'ava';
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import S3rver from 's3rver';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3ClientFor } from '../../adapters/object-store/s3.object-store';
import { registerKeysCommand } from '../../src/cli/commands/keys.command';
import { registerKitCommands } from '../../src/cli/commands/kit.command';
import { registerLedgerCommand } from '../../src/cli/commands/ledger.command';
import { registerSignCommand } from '../../src/cli/commands/sign.command';
import { tempDir } from '../support/temp-dir';

/** Runs one CLI command in this process and captures what it prints. */
async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const program = new Command('attestor').exitOverride();
  registerKeysCommand(program);
  registerSignCommand(program);
  registerLedgerCommand(program);
  registerKitCommands(program);
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((stdout += s), true));
  process.stderr.write = ((s: string) => ((stderr += s), true));
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'attestor', ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { stdout, stderr, exitCode };
}

test.serial('export → kit verify → import → ledger verify through the CLI, and export to S3', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const key = JSON.parse((await cli('keys', 'create', '--name', 'release', '--data-dir', data)).stdout) as { keyId: string };
  t.truthy(key.keyId);

  const checkpoint = await cli('ledger', 'checkpoint', '--data-dir', data);
  t.regex(checkpoint.stdout, /"created": true/);
  const verify = await cli('ledger', 'verify', '--data-dir', data);
  t.is(verify.exitCode, 0, verify.stdout);
  t.regex(verify.stdout, /^ok: /);

  const kit = join(dir, 'kit.tar');
  const exported = await cli('export', '--out', kit, '--data-dir', data);
  t.true(existsSync(kit), exported.stderr);
  const verified = await cli('kit', 'verify', kit);
  t.is(verified.exitCode, 0, verified.stdout);
  t.regex(verified.stdout, /^VERIFIED/);
  const json = JSON.parse((await cli('kit', 'verify', kit, '--json')).stdout) as { ok: boolean };
  t.true(json.ok);

  // Imported into another data directory's store, the ledger verifies there.
  const imported = await cli('import', kit, '--no-progress', '--data-dir', join(dir, 'other'));
  t.regex(imported.stdout, /imported \d+ events/);
  const again = await cli('import', kit, '--no-progress', '--data-dir', join(dir, 'other'));
  t.regex(again.stdout, /already imported/);
  const copyVerify = await cli('ledger', 'verify', '--data-dir', join(dir, 'other'));
  t.is(copyVerify.exitCode, 0, copyVerify.stdout);

  // A damaged kit is refused with its reason and nothing is written.
  const { readFileSync, writeFileSync } = await import('node:fs');
  const bytes = readFileSync(kit);
  bytes[1024] = (bytes[1024] ?? 0) ^ 0xff;
  writeFileSync(join(dir, 'bad.tar'), bytes);
  const refused = await cli('import', join(dir, 'bad.tar'), '--into', join(dir, 'fresh.sqlite'), '--no-progress', '--data-dir', join(dir, 'fresh'));
  t.is(refused.exitCode, 1);
  t.regex(refused.stderr, /refused, nothing written: kit .* failed verification: /);
  const failed = await cli('kit', 'verify', join(dir, 'bad.tar'));
  t.is(failed.exitCode, 1);

  // --to s3://…
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3'), configureBuckets: [{ name: 'kits' }] });
  const { port } = await s3.run();
  t.teardown(() => s3.close());
  Object.assign(process.env, { ATTESTOR_S3_ENDPOINT: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
  const uploaded = JSON.parse((await cli('export', '--to', 's3://kits/site-a', '--data-dir', data)).stdout) as { kit: string; sha256: string };
  t.regex(uploaded.kit, /^s3:\/\/kits\/site-a\/attestor-kit-\d+-[0-9a-f]{16}\.tar$/);
  const client = s3ClientFor({ endpoint: `http://127.0.0.1:${port}`, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'kits', Prefix: 'site-a/' }));
  t.is(listed.Contents?.length, 1);
  const object = await client.send(new GetObjectCommand({ Bucket: 'kits', Key: uploaded.kit.slice('s3://kits/'.length) }));
  const body = Buffer.from(await object.Body!.transformToByteArray());
  t.deepEqual(body, readFileSync(kit), 'nothing was appended since the first export: the uploaded kit is byte-identical');
  client.destroy();
});

test.serial('export --to with a malformed S3 URL is refused before the ledger checkpoint is appended', async (t) => {
  const data = join(tempDir(t), 'data');
  await cli('keys', 'create', '--name', 'release', '--data-dir', data);
  const { SqliteEventStore } = await import('../../adapters/event-store/sqlite/sqlite.event-store');
  const count = async (): Promise<number> => {
    const store = SqliteEventStore.open(join(data, 'events.sqlite'));
    try {
      return (await store.readAll()).length;
    } finally {
      await store.close();
    }
  };
  const before = await count();
  await t.throwsAsync(cli('export', '--to', 'not-an-s3-url', '--data-dir', data));
  t.is(await count(), before, 'no LedgerCheckpointSigned was appended');
});
