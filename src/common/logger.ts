import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; phone numbers are masked by the callers (maskPhone) and redacted here as a net. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'voicepact' },
    redact: {
      paths: ['phoneNumber', '*.phoneNumber', 'authorization', '*.authorization', 'req.headers.authorization'],
      censor: '[masked]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
