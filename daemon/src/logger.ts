import { type Logger, pino } from 'pino';

/** Structured logs on stderr, so stdout stays clean for JSON output and MCP stdio. */
export function createLogger(level: string, name = 'mcphub'): Logger {
  return pino(
    { name, level, redact: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.secret'] },
    pino.destination(2),
  );
}

export type { Logger };
