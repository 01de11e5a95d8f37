import { DUPLICATE_INDEX_HEADER } from '../../domain/tlog/duplicate-entry';
import { TILE_WIDTH, tilePath } from '../../domain/tlog/tile-path';
import { answerDetail, answerJson, requiredJson, unexpectedAnswer, type RekorHttp } from './rekor.http';
import { FrozenLogError, UnverifiableLogResponseError } from './rekor.errors';

/**
 * The Rekor v2 endpoints (sigstore/rekor-tiles CLIENTS.md) as raw calls: the
 * write API, and the C2SP tlog-tiles read API (checkpoint, hash tiles, entry
 * bundles). Statuses interpreted, nothing verified.
 */
export interface HashedRekordRequestV002 {
  readonly digest: Buffer;
  readonly signature: Buffer;
  readonly publicKeyDer: Buffer;
  readonly keyDetails: string;
}

export type CreateAnswerV2 =
  | { readonly created: true; readonly json: unknown }
  | {
      readonly created: false;
      /** The existing entry, when the log returns it (the local log does; rekor-tiles does not). */
      readonly existing?: unknown;
      /** Its index, from rekor-tiles' `x-log-index` header. */
      readonly existingIndex?: number;
      readonly detail: string;
    };

export class RekorV2Api {
  constructor(
    private readonly http: RekorHttp,
    /** Rekor v2 answers only once a checkpoint covers the entry: allow at least 20 s. */
    private readonly writeTimeoutMs: number,
  ) {}

  async createHashedRekord(req: HashedRekordRequestV002): Promise<CreateAnswerV2> {
    const body = {
      hashedRekordRequestV002: {
        digest: req.digest.toString('base64'),
        signature: {
          content: req.signature.toString('base64'),
          verifier: { publicKey: { rawBytes: req.publicKeyDer.toString('base64') }, keyDetails: req.keyDetails },
        },
      },
    };
    const answer = await this.http.request('POST', '/api/v2/log/entries', { json: body, timeoutMs: this.writeTimeoutMs });
    if (answer.status === 201 || answer.status === 200) return { created: true, json: requiredJson(this.http.log, answer, 'new entry') };
    if (answer.status === 409) {
      const json = answerJson(answer) as { entry?: unknown } | undefined;
      const index = answer.headers.get(DUPLICATE_INDEX_HEADER);
      const existingIndex = index !== null && /^(0|[1-9][0-9]{0,15})$/.test(index) && Number.isSafeInteger(Number(index)) ? Number(index) : undefined;
      return {
        created: false,
        detail: answerDetail(answer),
        ...(json && typeof json === 'object' && json.entry !== undefined ? { existing: json.entry } : {}),
        ...(existingIndex !== undefined ? { existingIndex } : {}),
      };
    }
    if (answer.status === 405) throw new FrozenLogError(this.http.log, answerDetail(answer));
    throw unexpectedAnswer(this.http.log, answer, 'the entry');
  }

  async getCheckpoint(): Promise<string> {
    const answer = await this.http.request('GET', '/checkpoint', { accept: 'text/plain' });
    if (answer.status !== 200) throw unexpectedAnswer(this.http.log, answer, 'checkpoint');
    return answer.body.toString('utf8');
  }

  /** The first `width` hashes of a hash tile; a partial tile that is gone is read from the full tile. */
  async getHashTile(level: number, index: number, width: number): Promise<Buffer[]> {
    const data = await this.getTileData(`tile/${level}`, (w) => tilePath({ kind: 'hash', level, index, width: w }), width);
    if (data.length % 32 !== 0 || data.length < width * 32) {
      throw new UnverifiableLogResponseError(this.http.log, 'format', `tile ${level}/${index} has ${data.length} bytes, expected ${width * 32}`);
    }
    const hashes: Buffer[] = [];
    for (let i = 0; i < width; i++) hashes.push(data.subarray(i * 32, (i + 1) * 32));
    return hashes;
  }

  /** The raw entry bundle holding entries [256·index, 256·index + width). */
  getEntryBundle(index: number, width: number): Promise<Buffer> {
    return this.getTileData('tile/entries', (w) => tilePath({ kind: 'entries', index, width: w }), width);
  }

  private async getTileData(what: string, path: (width: number) => string, width: number): Promise<Buffer> {
    const answer = await this.http.request('GET', `/${path(width)}`, { accept: 'application/octet-stream' });
    if (answer.status === 200) return answer.body;
    if (answer.status === 404 && width < TILE_WIDTH) {
      // The tree grew past this tile since the checkpoint: its full form holds the same first hashes.
      const full = await this.http.request('GET', `/${path(TILE_WIDTH)}`, { accept: 'application/octet-stream' });
      if (full.status === 200) return full.body;
    }
    throw unexpectedAnswer(this.http.log, answer, `${what} ${path(width)}`);
  }

}
