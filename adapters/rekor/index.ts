/**
 * Rekor clients behind the TransparencyLog port, in three layers as in
 * sigstore-js: raw HTTP (rekor.http.ts, with resilience.ts), raw API calls
 * (rekor-v1.api.ts, rekor-v2.api.ts), and log clients that verify every
 * answer (rekor-v1.log.ts, rekor-v2.log.ts).
 */
export { RekorV1Log, type RekorLogOptions } from './rekor-v1.log';
export { RekorV2Log, keyDetailsOf, type RekorV2LogOptions } from './rekor-v2.log';
export { trustFromTrustedRoot, trustFromPublicKey, type LogTrust, type RekorApi, type TrustedRootSelection, type PublicKeySelection } from './log-trust';
export { UnverifiableLogResponseError, FrozenLogError, UnexpectedLogAnswerError } from './rekor.errors';
export { Resilience, RetryableError, isRetryableStatus, backoffDelay, DEFAULT_RETRY, DEFAULT_BREAKER, type RetryPolicy, type BreakerPolicy } from './resilience';
export { logDsse, type LoggedDsse } from './log-dsse';
