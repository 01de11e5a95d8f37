import type { LocalLog } from './local-log';

/**
 * A Sigstore trusted root (protobuf-specs TrustedRoot, JSON) that lists the
 * local logs' keys: what a verifier needs to trust this log, offline.
 */
export function localTrustedRoot(logs: readonly { log: LocalLog; baseUrl: string; keyDetails: string; validFrom: string }[]): Record<string, unknown> {
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: logs.map(({ log, baseUrl, keyDetails, validFrom }) => ({
      baseUrl,
      hashAlgorithm: 'SHA2_256',
      publicKey: {
        rawBytes: log.identity.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
        keyDetails,
        validFor: { start: validFrom },
      },
      logId: { keyId: log.identity.logId.toString('base64') },
    })),
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
}
