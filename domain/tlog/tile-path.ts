/**
 * C2SP tlog-tiles paths: an index N is written as 3-digit groups, every group
 * but the last prefixed with `x` (1234067 → x001/x234/067); a partial tile
 * adds `.p/<W>` with 1 ≤ W < 256.
 */
export const TILE_WIDTH = 256;

export type TileRef =
  | { readonly kind: 'hash'; readonly level: number; readonly index: number; readonly width: number }
  | { readonly kind: 'entries'; readonly index: number; readonly width: number };

export function encodeTileIndex(n: number): string {
  const digits = String(n);
  const padded = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups = padded.match(/.{3}/g) ?? ['000'];
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

export function tilePath(ref: TileRef): string {
  const partial = ref.width < TILE_WIDTH ? `.p/${ref.width}` : '';
  const head = ref.kind === 'entries' ? 'tile/entries' : `tile/${ref.level}`;
  return `${head}/${encodeTileIndex(ref.index)}${partial}`;
}

/** Parses the part after `tile/`; null when it is not a well-formed tile path. */
export function parseTilePath(path: string): TileRef | null {
  const m = /^(entries|[0-9]|[1-5][0-9]|6[0-3])\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(path);
  if (!m) return null;
  const index = Number(m[2]!.replace(/x|\//g, ''));
  const width = m[3] === undefined ? TILE_WIDTH : Number(m[3]);
  if (!Number.isSafeInteger(index) || width > TILE_WIDTH || (m[3] !== undefined && width === TILE_WIDTH)) return null;
  // Only the canonical spelling names a tile (no x000/ groups in front).
  if (encodeTileIndex(index) !== m[2]) return null;
  return m[1] === 'entries' ? { kind: 'entries', index, width } : { kind: 'hash', level: Number(m[1]), index, width };
}
