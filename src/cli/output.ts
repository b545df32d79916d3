import { cliFailureOf } from './errors.js'

export { CliError } from './errors.js'

/**
 * Prints an error on stderr (message, then the fix on its own line) and returns its exit code
 * (mapped once, in {@link cliFailureOf}). With `json`, the error also goes to stdout as
 * `{"error":{code,message,fix}}`.
 */
export function reportError(error: unknown, options: { json?: boolean } = {}): number {
  const failure = cliFailureOf(error)
  process.stderr.write(`igtoken: ${failure.message}\n`)
  if (failure.fix !== undefined) process.stderr.write(`  fix: ${failure.fix}\n`)
  if (options.json === true) {
    printJson({
      error: { code: failure.code, message: failure.message, fix: failure.fix ?? null },
    })
  }
  return failure.exit
}

/** Writes a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Writes one line of human-readable progress or explanation on stderr. */
export function say(line = ''): void {
  process.stderr.write(`${line}\n`)
}
