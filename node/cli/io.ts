/**
 * CLI plumbing shared by the commands: reading files with clear errors, exit codes, output.
 */
import { readFile } from 'node:fs/promises'

/** 0 ok, 1 failed execution/validation/refused request, 2 usage, 3 the relay cannot be reached. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const

/** An error the CLI reports as one line (no stack) with an exit code. */
export class CliError extends Error {
  constructor (message: string, readonly exitCode: number = EXIT.usage) {
    super(message)
    this.name = 'CliError'
  }
}

export async function readText (file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err: any) {
    const reason = err?.code === 'ENOENT' ? 'no such file' : err?.code === 'EISDIR' ? 'it is a directory' : err?.code === 'EACCES' ? 'permission denied' : String(err?.message ?? err)
    throw new CliError(`cannot read ${what} '${file}': ${reason}`)
  }
}

export function parseJsonArg (text: string, where: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err: any) {
    throw new CliError(`${where}: not valid JSON (${String(err?.message ?? err)})`)
  }
  if (value == null || typeof value !== 'object' || Array.isArray(value)) throw new CliError(`${where}: must be a JSON object`)
  return value as Record<string, unknown>
}

export interface Output {
  out(line: string): void
  err(line: string): void
}

export const stdio: Output = {
  out: (line) => { process.stdout.write(line + '\n') },
  err: (line) => { process.stderr.write(line + '\n') }
}
