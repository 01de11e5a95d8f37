import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IN_TOTO_PAYLOAD_TYPE } from '../../../domain/signing/in-toto-statement';
import { printJson } from './output';
import { CLI_CONTEXT, withSigning } from './signing-context';
import { readInput } from './input-file';

interface SignOptions {
  key: string[];
  type?: string;
  payload?: string;
  statement?: string;
  out?: string;
  dataDir?: string;
}

/** `attestor sign --key K [--key K2] (--type T --payload FILE | --statement FILE) [--out FILE]`. */
export function registerSignCommand(program: Command): void {
  program
    .command('sign')
    .description('sign a payload as a DSSE envelope (one signature per key); records EnvelopeSigned and archives the envelope')
    .requiredOption('--key <id>', 'key id (repeat for several signatures)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--type <payloadType>', 'payload type (media type or URI)')
    .option('--payload <file>', 'file whose bytes are signed')
    .option('--statement <file>', 'an in-toto Statement v1 JSON file (payload type application/vnd.in-toto+json)')
    .option('--out <file>', 'write the envelope JSON here instead of printing the result')
    .option('--data-dir <dir>', 'data directory (ATTESTOR_DATA_DIR)')
    .action(async (opts: SignOptions) => {
      if ((opts.payload === undefined) === (opts.statement === undefined)) throw new Error('give exactly one of --payload FILE or --statement FILE');
      if (opts.payload !== undefined && opts.type === undefined) throw new Error('--type is required with --payload');
      const payload = readInput(opts.payload ? '--payload' : '--statement', resolve(opts.payload ?? opts.statement ?? ''));
      const payloadType = opts.type ?? IN_TOTO_PAYLOAD_TYPE;
      await withSigning(opts.dataDir, async ({ signing }) => {
        const result = await signing.sign({ keyIds: opts.key, payloadType, payload }, CLI_CONTEXT);
        if (opts.out !== undefined) {
          writeFileSync(resolve(opts.out), `${JSON.stringify(result.envelope)}\n`);
          process.stdout.write(`${result.envelopeDigest}\n`);
        } else {
          printJson({ envelopeDigest: result.envelopeDigest, payloadDigest: result.payloadDigest, subjects: result.subjects, signedAt: result.signedAt, envelope: result.envelope });
        }
      });
    });
}
