/**
 * Transparency-log verification and tree building, pure (no I/O). Import from
 * here rather than from individual files.
 */
export { emptyRoot, leafHash, nodeHash, HASH_SIZE } from './merkle.hash';
export { rootOf, rootFromLeaves, inclusionProof, consistencyProof, subtreeHash, treeOfEntries, treeOfLeafHashes, type TreeReader } from './merkle.tree';
export { appendLeaf, frontierRoot, EMPTY_FRONTIER, type Frontier } from './merkle.frontier';
export { verifyInclusion, rootFromInclusionProof, inclusionProofLength, type InclusionProof } from './merkle.inclusion';
export { verifyConsistency, rootsFromConsistencyProof, type ConsistencyProof } from './merkle.consistency';
export {
  NoteSignatureType,
  noteSignerFor,
  noteVerifierFor,
  cosignerFor,
  cosignatureVerifierFor,
  cosignatureTimestamp,
  c2spKeyId,
  spkiKeyId,
  type NoteSigner,
  type NoteVerifier,
} from './note-key';
export { formatVerifierKey, parseVerifierKey } from './note-verifier-key';
export { parseSignedNote, formatSignedNote, signNote, addSignatures, verifySignedNote, type SignedNote, type NoteSignature, type VerifiedNoteSignature } from './signed-note';
export { parseCheckpointBody, formatCheckpointBody, signCheckpoint, openCheckpoint, type Checkpoint, type VerifiedCheckpoint } from './checkpoint';
export { setPayloadBytes, verifySet, entryUuid, type SetPayload } from './rekor-set';
export { parseEntryBody, type EntryBody } from './rekor-body';
export { parseBundle, parseBundleJson, BUNDLE_V03_MEDIA_TYPE, type Bundle, type TlogEntry, type TlogInclusionProof, type BundleContent, type DsseEnvelope } from './bundle';
export { bundleToJson, tlogEntryToJson } from './bundle.write';
export { parseTrustedRoot, findTransparencyLog, type TrustedRoot, type TransparencyLog } from './trusted-root';
export { verifyBundle, type VerifyBundleOptions } from './bundle.verify';
export { firstFailure, type Check, type Verdict } from './verification-check';
export { matchEntryBody, paeOf } from './tlog-body.match';
export {
  rekorV1EntryFromResponse,
  tlogEntryFromRekorV1,
  tlogEntryFromRekorV2,
  kindVersionOf,
  bundleForDsse,
  type RekorV1Entry,
  type DsseEnvelopeJson,
} from './bundle.from-rekor';
export type { Result } from './result';
