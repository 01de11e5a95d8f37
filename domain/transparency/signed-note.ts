import { bytesEqual, decodeBase64 } from './bytes';
import { cosignatureTimestamp, isValidKeyName, NoteSignatureType, type NoteSigner, type NoteVerifier } from './note-key';
import { fail, ok, type Result } from './result';

/**
 * C2SP signed notes (c2sp.org/signed-note): text ending in a newline, a blank
 * line, then one or more lines `— <key name> base64(keyID[4] ‖ signature)`.
 */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: Buffer;
  readonly signature: Buffer;
}

export interface SignedNote {
  /** The signed text, including its final newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export interface VerifiedNoteSignature {
  readonly name: string;
  readonly keyId: Buffer;
  readonly type: NoteSignatureType;
  /** For cosignature/v1 lines: when the witness cosigned (POSIX seconds). */
  readonly timestamp?: number;
}

/** More than the 16 the spec requires us to accept, few enough to bound the work an attacker can cause. */
export const MAX_NOTE_SIGNATURES = 100;

const EM_DASH = '\u2014';

export function parseSignedNote(envelope: string): Result<SignedNote> {
  if (hasControlCharacters(envelope)) return fail('note contains control characters');
  if (!envelope.endsWith('\n')) return fail('note must end with a newline');
  // The text is separated from the signatures by the last blank line.
  const split = envelope.lastIndexOf('\n\n');
  if (split < 0) return fail('note has no blank line before its signatures');
  const text = envelope.slice(0, split + 1);
  const lines = envelope.slice(split + 2, -1);
  if (lines.length === 0) return fail('note has no signatures');
  const signatures: NoteSignature[] = [];
  for (const line of lines.split('\n')) {
    const sig = parseSignatureLine(line);
    if (!sig.ok) return sig;
    signatures.push(sig.value);
  }
  if (signatures.length > MAX_NOTE_SIGNATURES) return fail(`note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  return ok({ text, signatures });
}

export function formatSignedNote(note: SignedNote): string {
  const lines = note.signatures.map((s) => `${EM_DASH} ${s.name} ${Buffer.concat([s.keyId, s.signature]).toString('base64')}\n`);
  return `${note.text}\n${lines.join('')}`;
}

/**
 * Verifies the signatures made by known keys. Lines whose (name, key ID) match
 * no verifier are ignored, as the spec requires; a known key whose signature
 * fails rejects the whole note; at least one known key must have signed.
 */
export function verifySignedNote(note: SignedNote, verifiers: readonly NoteVerifier[]): Result<VerifiedNoteSignature[]> {
  const verified: VerifiedNoteSignature[] = [];
  for (const sig of note.signatures) {
    const verifier = verifiers.find((v) => v.name === sig.name && bytesEqual(v.keyId, sig.keyId));
    if (!verifier) continue;
    if (!verifier.verify(note.text, sig.signature)) {
      return fail(`signature by ${sig.name} (key ${sig.keyId.toString('hex')}) does not verify`);
    }
    const timestamp = verifier.type === NoteSignatureType.cosignatureV1 ? cosignatureTimestamp(sig.signature) : undefined;
    verified.push({ name: sig.name, keyId: sig.keyId, type: verifier.type, ...(timestamp === undefined ? {} : { timestamp }) });
  }
  if (verified.length === 0) return fail('no signature from a known key');
  return ok(verified);
}

/** Signs `text` (which must end in a newline) with every signer. */
export function signNote(text: string, signers: readonly NoteSigner[]): Result<SignedNote> {
  if (!text.endsWith('\n')) return fail('note text must end with a newline');
  if (hasControlCharacters(text)) return fail('note text contains control characters');
  if (signers.length === 0) return fail('a note needs at least one signer');
  return ok({ text, signatures: signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(text) })) });
}

/** Adds signatures (e.g. witness cosignatures) to an already signed note. */
export function addSignatures(note: SignedNote, signers: readonly NoteSigner[]): SignedNote {
  return { text: note.text, signatures: [...note.signatures, ...signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(note.text) }))] };
}

/** Notes may hold no ASCII control character other than newline. */
function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

function parseSignatureLine(line: string): Result<NoteSignature> {
  const match = /^\u2014 (\S+) (\S+)$/u.exec(line);
  if (!match) return fail(`malformed signature line ${JSON.stringify(line.slice(0, 80))}`);
  const [, name = '', b64 = ''] = match;
  if (!isValidKeyName(name)) return fail(`invalid key name ${JSON.stringify(name)}`);
  const bytes = decodeBase64(b64);
  if (!bytes || bytes.length < 5) return fail(`signature by ${name} is not base64 of a key ID and a signature`);
  return ok({ name, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) });
}
