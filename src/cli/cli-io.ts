import { readFileSync } from 'node:fs';

/** Where a command writes: its output and its errors. */
export type CliIo = { stdout: (text: string) => void; stderr: (text: string) => void };

/** A file's text, or undefined after saying on stderr why it cannot be read. */
export function readText(file: string, io: CliIo): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    io.stderr(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return undefined;
  }
}
