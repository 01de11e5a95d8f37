import type { Command } from 'commander';
import { printJson } from './output';
import { callApi, serverUrl } from './service-client';

export function registerEntriesCommand(program: Command): void {
  const entries = program.command('entries').description('the entry cache: {uuid, index, proof} of every logged envelope');
  entries
    .command('get')
    .argument('[uuid]', 'entry UUID (64 hex)')
    .option('--envelope-digest <hex>', 'find entries by envelope digest')
    .option('--subject <sha256:hex>', 'find entries by subject digest')
    .option('--server <url>', 'the service (default ATTESTOR_URL or http://127.0.0.1:8080)')
    .action(async (uuid: string | undefined, opts: { envelopeDigest?: string; subject?: string; server?: string }) => {
      const base = serverUrl(opts.server);
      const given = [uuid, opts.envelopeDigest, opts.subject].filter((x) => x !== undefined);
      if (given.length !== 1) throw new Error('give exactly one of UUID, --envelope-digest or --subject');
      const url = uuid
        ? `${base}/api/v1/entries/${encodeURIComponent(uuid)}`
        : opts.envelopeDigest
          ? `${base}/api/v1/entries?envelopeDigest=${encodeURIComponent(opts.envelopeDigest)}`
          : `${base}/api/v1/entries?subject=${encodeURIComponent(opts.subject ?? '')}`;
      printJson((await callApi(url)).body);
    });
  program
    .command('submission')
    .argument('<id>', 'submission id (the envelope digest)')
    .description('show a submission: its state and every attempt')
    .option('--server <url>', 'the service (default ATTESTOR_URL or http://127.0.0.1:8080)')
    .action(async (id: string, opts: { server?: string }) => {
      printJson((await callApi(`${serverUrl(opts.server)}/api/v1/submissions/${encodeURIComponent(id)}`)).body);
    });
}
