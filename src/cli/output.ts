import { ConfigError } from '../config.js'
import { EXIT } from './exit-codes.js'

/** Prints an error as one line on stderr and returns the exit code it deserves. */
export function reportError(error: unknown): number {
  if (error instanceof ConfigError) {
    process.stderr.write(`igtoken: configuration: ${error.message}\n`)
    return EXIT.usage
  }
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`igtoken: ${message}\n`)
  return EXIT.failure
}

/** Writes a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}
