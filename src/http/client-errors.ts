import type { Server } from 'node:http';
import { problemOf, titleOf } from './problem';

/**
 * Requests Node itself refuses before any route sees them (bad header bytes,
 * a raw space in the target, oversized headers) still get a problem document,
 * as every other error does. Every HTTP server of the product installs this.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const body = JSON.stringify(problemOf({ status, code: 'malformed_request', detail: tooLarge ? 'the request headers are too large' : 'the request is not valid HTTP' }));
    socket.end(`HTTP/1.1 ${status} ${titleOf(status)}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}
