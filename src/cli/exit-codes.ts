/** The exit codes of `igtoken`, documented in docs/cli.md. */
export const EXIT = {
  ok: 0,
  /** The command ran and failed (Meta refused, a check failed, nothing found). */
  failure: 1,
  /** The command line or the configuration is wrong: nothing was done. */
  usage: 2,
} as const
