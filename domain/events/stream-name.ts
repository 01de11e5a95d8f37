import type { StreamName } from './event';

const CATEGORY = /^[a-z][a-z0-9]*(?:[.][a-z0-9]+)*$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,199}$/;

/**
 * The one way to name a stream: `<category>-<id>`. Category reads (all `key-`
 * streams) rely on the first dash separating the two.
 */
export function streamName(category: string, id: string): StreamName {
  if (!CATEGORY.test(category)) throw new Error(`invalid stream category ${JSON.stringify(category)}`);
  if (!ID.test(id)) throw new Error(`invalid stream id ${JSON.stringify(id)}`);
  return `${category}-${id}` as StreamName;
}

