/** A one-line progress bar on stderr. */
export interface ProgressBar {
  /** Redraws with `done` of the total finished. */
  update(done: number, note?: string): void
  /** Ends the line (the summary is printed by the command). */
  finish(): void
}

const WIDTH = 24

/**
 * A progress bar that draws only on a terminal: piped or `--json` runs stay clean, and print their
 * summary instead.
 */
export function createProgressBar(options: {
  readonly total: number
  readonly label: string
  readonly enabled: boolean
  readonly stream?: NodeJS.WritableStream
}): ProgressBar {
  const stream = options.stream ?? process.stderr
  let drawn = false
  return {
    update(done, note) {
      if (!options.enabled) return
      const total = Math.max(options.total, 1)
      const ratio = Math.min(1, Math.max(0, done / total))
      const filled = Math.round(ratio * WIDTH)
      const bar = `${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}`
      const tail = note === undefined ? '' : `  ${note}`
      stream.write(
        `\r\u001b[2K${options.label} [${bar}] ${done}/${options.total} ${Math.round(ratio * 100)}%${tail}`,
      )
      drawn = true
    },
    finish() {
      if (options.enabled && drawn) stream.write('\n')
      drawn = false
    },
  }
}

/**
 * Turns the first Ctrl-C into a clean stop: `signal` aborts, the command finishes the item in
 * hand and exits; a second Ctrl-C falls back to Node's default (immediate exit).
 */
export function stopOnInterrupt(message: string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController()
  const onSigint = () => {
    process.off('SIGINT', onSigint)
    process.stderr.write(`\n${message}\n`)
    controller.abort()
  }
  process.on('SIGINT', onSigint)
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSigint)
    },
  }
}
