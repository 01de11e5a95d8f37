import type { Command } from 'commander';
import { printJson } from './output';
import { callApi, serverUrl } from './service-client';
import { readInputJson, readInputText } from './input-file';

interface SubmitOptions {
  envelope?: string;
  verifier?: string;
  key?: string;
  statement?: string;
  wait?: string;
  bundleOut?: string;
  server?: string;
}

export function registerSubmitCommand(program: Command): void {
  program
    .command('submit')
    .description('log a DSSE envelope in the transparency logs (prints {uuid, logIndex, inclusionProof, checkpoint} or the pending submission)')
    .option('--envelope <file>', 'a DSSE envelope (JSON)')
    .option('--verifier <pem>', 'PEM public key of the signer, when its key is not registered in the service')
    .option('--key <keyId>', 'sign with this registered key, then submit (with --statement)')
    .option('--statement <file>', 'an in-toto Statement v1 (JSON) to sign with --key')
    .option('--wait <ms>', 'how long to wait for the entry before answering pending')
    .option('--bundle-out <file>', 'write the Sigstore bundle here when logged')
    .option('--server <url>', 'the service (default ATTESTOR_URL or http://127.0.0.1:8080)')
    .action(async (opts: SubmitOptions) => {
      let body: Record<string, unknown>;
      if (opts.envelope) {
        body = { envelope: readInputJson('--envelope', opts.envelope), ...(opts.verifier ? { verifier: readInputText('--verifier', opts.verifier) } : {}) };
      } else if (opts.key && opts.statement) {
        body = { sign: { keyId: opts.key, statement: readInputJson('--statement', opts.statement) } };
      } else {
        throw new Error('give --envelope FILE, or --key KEY with --statement FILE');
      }
      const wait = opts.wait ? `?wait=${encodeURIComponent(opts.wait)}` : '';
      const res = await callApi(`${serverUrl(opts.server)}/api/v1/rekor/entries${wait}`, { method: 'POST', body: JSON.stringify(body) });
      if (opts.bundleOut && res.body['bundle']) {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(opts.bundleOut, `${JSON.stringify(res.body['bundle'], null, 2)}\n`);
      }
      printJson(res.body);
      // 202: accepted, the entry is still pending (the worker will log it).
      if (res.status === 202) process.exitCode = 3;
    });
}
