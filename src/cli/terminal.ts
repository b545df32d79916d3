/** ANSI styling that switches itself off when it would only add noise. */
export interface Paint {
  readonly enabled: boolean
  ok(text: string): string
  fail(text: string): string
  warn(text: string): string
  dim(text: string): string
  bold(text: string): string
}

/**
 * Colour only on a terminal, never with `NO_COLOR` set to anything non-empty (no-color.org) or
 * `TERM=dumb`.
 */
export function paintFor(
  stream: { readonly isTTY?: boolean } = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Paint {
  const enabled =
    stream.isTTY === true &&
    (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '') &&
    env['TERM'] !== 'dumb'
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text
  return {
    enabled,
    ok: wrap(32, 39),
    fail: wrap(31, 39),
    warn: wrap(33, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  }
}

/** How long until (or since) an instant, in words: "in 59 days", "3 hours ago". */
export function relativeTime(target: number, now: number): string {
  const diff = target - now
  const abs = Math.abs(diff)
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ]
  let text = 'less than a minute'
  for (const [size, name] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size)
      text = `${n} ${name}${n === 1 ? '' : 's'}`
      break
    }
  }
  return diff >= 0 ? `in ${text}` : `${text} ago`
}
