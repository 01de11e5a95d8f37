/**
 * Preloaded with `node --require` into a CLI run that must not use the
 * network (never import it: it disables the network of whatever loads it).
 * Any attempt to open a socket (TCP, TLS, UDP), resolve a name or call
 * fetch/http(s) writes `no-network: …` to stderr and exits the process with
 * code 97, so a test cannot miss it even if the caller catches errors.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

/** Tests (test/kit/kit.pipeline.e2e.test.ts, test/attestations/cli.e2e.test.ts) expect this code. */
const NO_NETWORK_EXIT_CODE = 97;

function refuse(what: string): () => never {
  return () => {
    process.stderr.write(`no-network: ${what} was attempted\n`);
    process.exit(NO_NETWORK_EXIT_CODE);
  };
}

const patch = (target: object, names: readonly string[], prefix: string): void => {
  for (const name of names) Object.defineProperty(target, name, { value: refuse(`${prefix}.${name}`), writable: true, configurable: true });
};

patch(net.Socket.prototype, ['connect'], 'net.Socket.prototype');
patch(net, ['connect', 'createConnection'], 'net');
patch(tls, ['connect'], 'tls');
patch(http, ['request', 'get'], 'http');
patch(https, ['request', 'get'], 'https');
patch(dgram, ['createSocket'], 'dgram');
patch(dns, ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny'], 'dns');
patch(dns.promises, ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny'], 'dns.promises');
patch(globalThis, ['fetch'], 'globalThis');
