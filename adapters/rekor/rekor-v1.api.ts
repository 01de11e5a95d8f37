import { requiredJson, unexpectedAnswer, type RekorHttp } from './rekor.http';
import { UnverifiableLogResponseError } from './rekor.errors';

/**
 * The Rekor v1 endpoints the client uses (sigstore/rekor openapi.yaml), as
 * raw calls: statuses interpreted, JSON parsed, nothing verified.
 */
export type CreateAnswer = { readonly created: true; readonly json: unknown } | { readonly created: false; readonly existingId: string };

const ENTRY_ID = /^(?:[0-9a-f]{16})?[0-9a-f]{64}$/;

export class RekorV1Api {
  constructor(private readonly http: RekorHttp) {}

  /** POST /api/v1/log/entries with a dsse 0.0.1 proposed entry; 409 → the existing entry's ID from `Location`. */
  async createDsseEntry(envelopeText: string, verifierPem: string): Promise<CreateAnswer> {
    const proposed = {
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: { proposedContent: { envelope: envelopeText, verifiers: [Buffer.from(verifierPem, 'utf8').toString('base64')] } },
    };
    const answer = await this.http.request('POST', '/api/v1/log/entries', { json: proposed });
    if (answer.status === 201 || answer.status === 200) return { created: true, json: requiredJson(this.http.log, answer, 'new entry') };
    if (answer.status === 409) {
      const location = answer.headers.get('location');
      const id = location?.split('?')[0]?.split('/').pop()?.toLowerCase();
      if (!id || !ENTRY_ID.test(id)) {
        throw new UnverifiableLogResponseError(this.http.log, 'conflict', `409 without a usable Location of the existing entry (${JSON.stringify(location)})`);
      }
      return { created: false, existingId: id };
    }
    throw unexpectedAnswer(this.http.log, answer, 'the entry');
  }

  async getEntry(id: string): Promise<unknown> {
    const answer = await this.http.request('GET', `/api/v1/log/entries/${encodeURIComponent(id)}`);
    if (answer.status !== 200) throw unexpectedAnswer(this.http.log, answer, `entry ${id}`);
    return requiredJson(this.http.log, answer, `entry ${id}`);
  }

  async getEntryByIndex(logIndex: number): Promise<unknown> {
    const answer = await this.http.request('GET', `/api/v1/log/entries?logIndex=${logIndex}`);
    if (answer.status !== 200) throw unexpectedAnswer(this.http.log, answer, `entry at index ${logIndex}`);
    return requiredJson(this.http.log, answer, `entry at index ${logIndex}`);
  }

  async getLogInfo(): Promise<unknown> {
    const answer = await this.http.request('GET', '/api/v1/log');
    if (answer.status !== 200) throw unexpectedAnswer(this.http.log, answer, 'log info');
    return requiredJson(this.http.log, answer, 'log info');
  }

  async getConsistencyProof(firstSize: number, lastSize: number): Promise<unknown> {
    const answer = await this.http.request('GET', `/api/v1/log/proof?firstSize=${firstSize}&lastSize=${lastSize}`);
    if (answer.status !== 200) throw unexpectedAnswer(this.http.log, answer, `consistency proof ${firstSize}→${lastSize}`);
    return requiredJson(this.http.log, answer, 'consistency proof');
  }

}
