import winston from 'winston';

export type Logger = winston.Logger;

/** JSON lines on stderr, so stdout stays free for CLI output. */
export function createLogger(level: string): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    defaultMeta: { service: 'attestor' },
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] })],
  });
}

export const LOGGER = Symbol('Logger');
