/** The running service a CLI verb talks to: `--server`, else ATTESTOR_URL, else the local default. */
export function serverUrl(option: string | undefined): string {
  return (option ?? process.env['ATTESTOR_URL'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
}

/** Calls the API; a problem document becomes an error carrying its detail. */
export async function callApi(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', 'x-actor': `cli:${process.env['USER'] ?? 'unknown'}`, ...init.headers } });
  } catch (error) {
    throw new Error(`cannot reach ${new URL(url).origin}: ${error instanceof Error ? error.message : String(error)} (is \`attestor serve\` running? set --server or ATTESTOR_URL)`);
  }
  const text = await res.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (res.status >= 400) {
    const code = typeof body['code'] === 'string' ? body['code'] : '';
    const detail = typeof body['detail'] === 'string' ? body['detail'] : text;
    throw new Error(`${res.status} ${code}: ${detail}`);
  }
  return { status: res.status, body };
}

