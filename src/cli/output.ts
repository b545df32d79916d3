import { EXIT } from './exit-codes.js'
import type { ExitCode } from './exit-codes.js'

/**
 * A failure a command reports itself: one line for stderr (with the fix) and its exit code.
 * Thrown from command code so every command ends through the same path.
 */
export class CliError extends Error {
  override name = 'CliError'
  readonly exitCode: ExitCode
  /** What to do about it, printed after the message. */
  readonly fix: string | undefined
  /** A short machine-readable code for `--json` output. */
  readonly code: string
  constructor(message: string, options: { exit?: ExitCode; fix?: string; code?: string } = {}) {
    super(message)
    this.exitCode = options.exit ?? EXIT.failure
    this.fix = options.fix
    this.code = options.code ?? 'failed'
  }
}

/**
 * Prints an error on stderr (message, then the fix on its own line) and returns its exit code.
 * With `json`, the error also goes to stdout as `{"error":{code,message,fix}}`.
 */
export function reportError(error: unknown, options: { json?: boolean } = {}): number {
  // Checked by name so that start-up never loads config.js (and zod) just to print help.
  if (error instanceof Error && error.name === 'ConfigError') {
    process.stderr.write(`igtoken: configuration: ${error.message}\n`)
    if (options.json === true) {
      printJson({ error: { code: 'configuration', message: error.message, fix: null } })
    }
    return EXIT.usage
  }
  if (error instanceof CliError) {
    process.stderr.write(`igtoken: ${error.message}\n`)
    if (error.fix !== undefined) process.stderr.write(`  fix: ${error.fix}\n`)
    if (options.json === true) {
      printJson({ error: { code: error.code, message: error.message, fix: error.fix ?? null } })
    }
    return error.exitCode
  }
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`igtoken: ${message}\n`)
  if (options.json === true) printJson({ error: { code: 'failed', message, fix: null } })
  return EXIT.failure
}

/** Writes a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Writes one line of human-readable progress or explanation on stderr. */
export function say(line = ''): void {
  process.stderr.write(`${line}\n`)
}
