import { decodeBase64 } from './bytes';
import { HASH_SIZE } from './merkle.hash';
import type { NoteSigner, NoteVerifier } from './note-key';
import { fail, ok, type Result } from './result';
import { formatSignedNote, parseSignedNote, signNote, verifySignedNote, type VerifiedNoteSignature } from './signed-note';

/**
 * C2SP checkpoints (c2sp.org/tlog-checkpoint): the note text is the origin
 * line, the decimal tree size, the base64 root hash, then optional extension
 * lines. A log signs one to commit to its tree; witnesses cosign it.
 */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Buffer;
  readonly extensions: readonly string[];
}

export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly signatures: readonly VerifiedNoteSignature[];
}

export function parseCheckpointBody(text: string): Result<Checkpoint> {
  if (!text.endsWith('\n')) return fail('checkpoint must end with a newline');
  const [origin, sizeLine, hashLine, ...extensions] = text.slice(0, -1).split('\n');
  if (!origin) return fail('checkpoint has no origin line');
  if (sizeLine === undefined || !/^(0|[1-9][0-9]*)$/.test(sizeLine)) return fail('checkpoint tree size is not a decimal number');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) return fail('checkpoint tree size is too large');
  const rootHash = hashLine === undefined ? undefined : decodeBase64(hashLine);
  if (!rootHash || rootHash.length !== HASH_SIZE) return fail('checkpoint root hash is not a base64 SHA-256 hash');
  if (extensions.some((line) => line.length === 0)) return fail('checkpoint has an empty extension line');
  return ok({ origin, size, rootHash, extensions });
}

export function formatCheckpointBody(checkpoint: Checkpoint): string {
  const lines = [checkpoint.origin, String(checkpoint.size), checkpoint.rootHash.toString('base64'), ...checkpoint.extensions];
  return `${lines.join('\n')}\n`;
}

/** A signed checkpoint envelope, ready to publish at `<prefix>/checkpoint`. */
export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[]): Result<string> {
  if (!checkpoint.origin || checkpoint.origin.includes('\n')) return fail('checkpoint origin must be one non-empty line');
  const note = signNote(formatCheckpointBody(checkpoint), signers);
  return note.ok ? ok(formatSignedNote(note.value)) : note;
}

/**
 * Parses a signed checkpoint and verifies it against the log's verifier(s)
 * (and, optionally, witnesses'). `requireSignedBy` names the keys (usually the
 * log's own) of which at least one must have signed, so a checkpoint carrying
 * only witness cosignatures is not accepted as the log's word.
 */
export function openCheckpoint(
  envelope: string,
  verifiers: readonly NoteVerifier[],
  options: { readonly origin?: string; readonly requireSignedBy?: readonly NoteVerifier[] } = {},
): Result<VerifiedCheckpoint> {
  const note = parseSignedNote(envelope);
  if (!note.ok) return note;
  const checkpoint = parseCheckpointBody(note.value.text);
  if (!checkpoint.ok) return checkpoint;
  if (options.origin !== undefined && checkpoint.value.origin !== options.origin) {
    return fail(`checkpoint origin ${JSON.stringify(checkpoint.value.origin)} is not ${JSON.stringify(options.origin)}`);
  }
  const signatures = verifySignedNote(note.value, verifiers);
  if (!signatures.ok) return signatures;
  const required = options.requireSignedBy ?? verifiers;
  const byRequired = signatures.value.some((s) => required.some((r) => r.name === s.name && r.keyId.equals(s.keyId)));
  if (!byRequired) return fail('checkpoint is not signed by the log');
  return ok({ checkpoint: checkpoint.value, signatures: signatures.value });
}
