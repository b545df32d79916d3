import type { WarningCode } from './error-codes.js'

/** Receives the library's warnings; the library itself never logs. */
export type WarningHandler = (message: string, code: string) => void

/** Sends a warning to `onWarning`, or to `process.emitWarning` when none was given. */
export function emitWarning(
  onWarning: WarningHandler | undefined,
  message: string,
  code: WarningCode,
): void {
  if (onWarning !== undefined) onWarning(message, code)
  else process.emitWarning(message, { type: 'IgtokenWarning', code })
}
