/**
 * `npm run bench -- <area>`: prints each area's figures as ratios against a
 * baseline measured in the same run. Not part of `npm test`.
 */
import { benchKit } from './kit.bench';
import { benchPipeline } from './pipeline.bench';
import { benchSign } from './sign.bench';
import { benchStore } from './store.bench';
import { benchTlog } from './tlog.bench';
import { benchVerify } from './verify.bench';

const areas: Record<string, () => Promise<void>> = {
  store: benchStore,
  sign: benchSign,
  tlog: benchTlog,
  verify: benchVerify,
  pipeline: benchPipeline,
  kit: benchKit,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((a) => !(a in areas));
  if (wanted.length === 0 || unknown.length > 0) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(areas).join('|')}> …${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}\n`);
    process.exitCode = 2;
    return;
  }
  for (const area of wanted) await areas[area]!();
}

void main();
