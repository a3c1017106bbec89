/** One line per start-up step with its duration, e.g. `✓ postgres  ready on 127.0.0.1:54322  1.4 s`. */
export interface Progress {
  step<T>(label: string, run: () => Promise<T>, describe?: (value: T) => string): Promise<T>;
  info(message: string): void;
}

export function createProgress(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Progress {
  const color = process.stdout.isTTY ? (code: number, text: string) => `\u001b[${code}m${text}\u001b[0m` : (_: number, text: string) => text;
  return {
    async step(label, run, describe) {
      const started = performance.now();
      write(color(2, `… ${label}`));
      try {
        const value = await run();
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        write(`${color(32, '✓')} ${label.padEnd(26)} ${describe ? describe(value) : 'ok'}  ${color(2, `${seconds} s`)}`);
        return value;
      } catch (error) {
        write(`${color(31, '✗')} ${label}: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      }
    },
    info: (message) => write(message),
  };
}
