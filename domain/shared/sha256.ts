import { hash } from 'node:crypto';

// One-shot `hash` rather than a createHash chain: cheaper for the small inputs hashed per event and per bundle.
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

export function sha256(data: string | Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}
