// The app's log as the lines it writes: a pino destination that keeps every line, and each line
// parsed as the JSON object it must be.
export interface LogLine {
  level: number;
  msg?: string;
  reqId?: string;
  [field: string]: unknown;
}

export interface CapturedLog {
  destination: { write(line: string): void };
  /** Every line written, as written. */
  raw: string[];
  /** Every line parsed; throws, naming the line, if one is not JSON. */
  lines(): LogLine[];
}

export function captureLog(): CapturedLog {
  const raw: string[] = [];
  return {
    destination: { write: (chunk: string) => void raw.push(...chunk.split('\n').filter(Boolean)) },
    raw,
    lines: () =>
      raw.map((line) => {
        try {
          return JSON.parse(line) as LogLine;
        } catch {
          throw new Error(`a log line is not JSON: ${line}`);
        }
      }),
  };
}

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;
