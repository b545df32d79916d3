/** The exit codes of `igtoken`, documented in docs/cli.md. */
export const EXIT = {
  ok: 0,
  /** The command ran and failed (Meta refused, a check failed, nothing found). */
  failure: 1,
  /** The command line or the configuration is wrong: nothing was done. */
  usage: 2,
  /** Meta, the database or a local port could not be reached or used: try again later. */
  unavailable: 3,
  /** Stopped by Ctrl-C (SIGINT); finished work is kept, running it again resumes. */
  interrupted: 130,
} as const

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]
