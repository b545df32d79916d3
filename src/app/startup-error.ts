/** Codes of {@link StartupError}: why a process refused to start (docs/errors.md lists them). */
export const STARTUP_ERROR_CODES = [
  'no_keys',
  'bad_keys',
  'keys_missing',
  'keys_mismatch',
  'port_busy',
  'demo_worker',
  'data_dir_unwritable',
] as const

/** One of {@link STARTUP_ERROR_CODES}. */
export type StartupErrorCode = (typeof STARTUP_ERROR_CODES)[number]

/**
 * The configuration problem behind a refused start: one line naming the variable, no stack, and
 * what to do. `serve`, `worker` and every CLI command report it the same way (exit 2).
 */
export class StartupError extends Error {
  override name = 'StartupError'
  readonly code: StartupErrorCode
  /** What to do about it. */
  readonly fix: string | undefined
  constructor(code: StartupErrorCode, message: string, options: { fix?: string } = {}) {
    super(message)
    this.code = code
    this.fix = options.fix
  }
}
