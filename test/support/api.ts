/** Small helpers for driving a running service over HTTP, as a client would. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface CreatedKey {
  readonly keyId: string;
  readonly fingerprint: string;
  readonly publicKeyPem: string;
}

/** Creates a file-backed ECDSA P-256 key through the API. */
export async function aKey(serviceUrl: string, name = 'release'): Promise<CreatedKey> {
  const res = await postJson(`${serviceUrl}/api/v1/keys`, { name, provider: 'file', algorithm: 'ecdsa-p256-sha256' });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  const versions = res.body['versions'] as { fingerprint: string; publicKeyPem: string }[];
  return { keyId: String(res.body['keyId']), fingerprint: versions[0]!.fingerprint, publicKeyPem: versions[0]!.publicKeyPem };
}

export function aStatementFor(name: string, sha256: string): Record<string, unknown> {
  return { _type: 'https://in-toto.io/Statement/v1', subject: [{ name, digest: { sha256 } }], predicateType: 'https://spdx.dev/Document/v2.3', predicate: {} };
}
