const UNITS: readonly [string, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
]

/**
 * A duration as people say it: "in 59 days", "3 hours ago", "just now".
 * @param at - epoch ms, or null
 * @param now - epoch ms
 * @param none - what to say for null
 */
export function relativeTime(at: number | null, now: number, none = '—'): string {
  if (at === null) return none
  const diff = at - now
  const abs = Math.abs(diff)
  for (const [unit, ms] of UNITS) {
    if (abs >= ms) {
      const n = Math.floor(abs / ms)
      const text = `${String(n)} ${unit}${n === 1 ? '' : 's'}`
      return diff > 0 ? `in ${text}` : `${text} ago`
    }
  }
  return 'just now'
}

/** Epoch ms as ISO 8601 (for `<time datetime>`), or '' for null. */
export function isoTime(at: number | null): string {
  return at === null ? '' : new Date(at).toISOString()
}

/** Epoch ms as a short UTC date and time, e.g. "2026-01-31 14:05 UTC". */
export function shortTime(at: number | null, none = '—'): string {
  if (at === null) return none
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}
