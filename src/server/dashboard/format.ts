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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/**
 * Epoch ms as a date and time people read at a glance, e.g. "30 Nov 2026, 14:05 UTC". Always
 * UTC and English month names, not the server's locale: pages, logs and a support e-mail quote
 * the same words, and the `<time datetime>` beside it carries the exact instant.
 */
export function shortTime(at: number | null, none = '—'): string {
  if (at === null) return none
  const d = new Date(at)
  const hh = String(d.getUTCHours()).padStart(2, '0')
  const mm = String(d.getUTCMinutes()).padStart(2, '0')
  return `${String(d.getUTCDate())} ${MONTHS[d.getUTCMonth()] ?? ''} ${String(d.getUTCFullYear())}, ${hh}:${mm} UTC`
}

/** A value shown on a page: its text, and its ISO instant when it is a time (for `<time>`). */
export interface ShownValue {
  readonly text: string
  readonly iso?: string
}

// The ISO instants events carry (broker/effects/vocabulary.ts `eventInstant`).
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/

/** An event detail value for a page: an ISO instant as a readable time, anything else as is. */
export function shownValue(value: unknown): ShownValue {
  if (typeof value === 'string' && ISO_INSTANT.test(value)) {
    const at = Date.parse(value)
    if (!Number.isNaN(at)) return { text: shortTime(at), iso: isoTime(at) }
  }
  return { text: String(value) }
}
