/** Structured log fields; never put a token or a full request in them. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * JSON lines for Lambda: with the JSON log format, Lambda keeps each object's fields searchable
 * in CloudWatch Logs Insights.
 */
export function createJsonLogger(
  // Looked up at each call: the Lambda runtime (and test harnesses) may replace console.log.
  write: (line: string) => void = (line) => console.log(line),
): Logger {
  const emit =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      write(JSON.stringify({ level, message, ...fields }));
  return { info: emit('INFO'), warn: emit('WARN'), error: emit('ERROR') };
}

/** Short human lines for a terminal: `level message key=value …`. */
export function createTextLogger(write: (line: string) => void): Logger {
  const emit =
    (level: string) =>
    (message: string, fields: LogFields = {}) => {
      const extras = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      write(`${level} ${message}${extras ? ` ${extras}` : ''}`);
    };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** Discards everything (tests that assert on other outputs). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
