import { dsse } from '@sigstore/core';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface TestSigner {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
}

export function anEcdsaSigner(): TestSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

export interface Envelope {
  payload: string;
  payloadType: string;
  signatures: { keyid: string; sig: string }[];
}

/** A DSSE envelope signed the way the spec says, with node:crypto only. */
export function signEnvelope(signer: TestSigner, payload: unknown, payloadType = 'application/vnd.in-toto+json'): Envelope {
  const body = Buffer.from(JSON.stringify(payload));
  const sig = sign('sha256', dsse.preAuthEncoding(payloadType, body), signer.privateKey);
  return { payload: body.toString('base64'), payloadType, signatures: [{ keyid: '', sig: sig.toString('base64') }] };
}

export function paeDigest(envelope: Envelope): Buffer {
  return createHash('sha256').update(dsse.preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload, 'base64'))).digest();
}

export function aStatement(name = 'sbom.spdx.json', digest = 'a'.repeat(64)): unknown {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name, digest: { sha256: digest } }],
    predicateType: 'https://spdx.dev/Document/v2.3',
    predicate: {},
  };
}

export function v1DsseRequest(envelope: Envelope, signer: TestSigner): unknown {
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: { proposedContent: { envelope: JSON.stringify(envelope), verifiers: [Buffer.from(signer.publicKeyPem).toString('base64')] } },
  };
}

export function v2HashedRekordRequest(envelope: Envelope, signer: TestSigner): unknown {
  return {
    hashedRekordRequestV002: {
      digest: paeDigest(envelope).toString('base64'),
      signature: {
        content: envelope.signatures[0]!.sig,
        verifier: {
          publicKey: { rawBytes: signer.publicKey.export({ format: 'der', type: 'spki' }).toString('base64') },
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
        },
      },
    },
  };
}
