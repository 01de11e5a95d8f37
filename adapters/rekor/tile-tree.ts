import { rootOf, treeOfLeafHashes, type TreeReader } from '../../domain/transparency';
import { TILE_WIDTH } from '../../domain/tlog/tile-path';

/**
 * Proofs from C2SP tlog-tiles. A tile at level L holds up to 256 hashes of
 * full subtrees of height 8·L; a node of height h = 8·L + r is the root of
 * 2^r consecutive hashes of one level-L tile. The pure proof builders
 * (`inclusionProof`, `consistencyProof`) read the tree through a TreeReader;
 * their reads depend only on sizes and indexes, never on hash values, so a
 * first run against a recording reader tells which nodes (hence which tiles)
 * to fetch, and a second run over the fetched nodes gives the proof. Tiles are
 * untrusted: the proof is only believed once it verifies against a signed
 * checkpoint.
 */
export interface TileSource {
  /** The first `width` hashes of tile (level, index), each 32 bytes. */
  hashTile(level: number, index: number, width: number): Promise<readonly Buffer[]>;
}

const PLACEHOLDER = Buffer.alloc(32);

export async function buildFromTiles<T>(size: number, source: TileSource, build: (tree: TreeReader) => T): Promise<T> {
  const wanted = new Map<string, { height: number; index: number }>();
  const want = (height: number, index: number): Buffer => {
    wanted.set(`${height}/${index}`, { height, index });
    return PLACEHOLDER;
  };
  build({ size, leaf: (i) => want(0, i), node: (level, index) => want(level, index) });

  // One fetch per tile, however many nodes it serves.
  const tiles = new Map<string, Promise<readonly Buffer[]>>();
  const tile = (level: number, index: number): Promise<readonly Buffer[]> => {
    const key = `${level}/${index}`;
    let pending = tiles.get(key);
    if (!pending) {
      const atLevel = Math.floor(size / 2 ** (8 * level));
      const width = Math.min(TILE_WIDTH, atLevel - index * TILE_WIDTH);
      pending = source.hashTile(level, index, width);
      tiles.set(key, pending);
    }
    return pending;
  };

  const nodes = new Map<string, Buffer>();
  await Promise.all(
    [...wanted.entries()].map(async ([key, { height, index }]) => {
      const level = Math.floor(height / 8);
      const span = 2 ** (height - 8 * level);
      const first = index * span;
      const tileIndex = Math.floor(first / TILE_WIDTH);
      const hashes = await tile(level, tileIndex);
      const offset = first - tileIndex * TILE_WIDTH;
      const slice = hashes.slice(offset, offset + span);
      if (slice.length !== span) throw new RangeError(`tile ${level}/${tileIndex} is missing hashes ${offset}..${offset + span - 1}`);
      // A full subtree's root over its level-L hashes: a perfect binary tree, which rootOf builds.
      nodes.set(key, span === 1 ? (slice[0] as Buffer) : rootOf(treeOfLeafHashes(slice)));
    }),
  );

  const read = (height: number, index: number): Buffer => {
    const node = nodes.get(`${height}/${index}`);
    if (!node) throw new RangeError(`node ${height}/${index} was not fetched`);
    return node;
  };
  return build({ size, leaf: (i) => read(0, i), node: (level, index) => read(level, index) });
}

/** Splits an entry bundle (uint16-BE length-prefixed entries) into its entries; undefined if malformed. */
export function parseEntryBundle(data: Buffer): Buffer[] | undefined {
  const entries: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 2 > data.length) return undefined;
    const length = data.readUInt16BE(at);
    at += 2;
    if (at + length > data.length) return undefined;
    entries.push(data.subarray(at, at + length));
    at += length;
  }
  return entries;
}
