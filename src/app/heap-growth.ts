import { setFlagsFromString } from 'node:v8'

/** How much V8 lets the heap grow past what the last full collection kept, in percent. */
export const HEAP_GROWING_PERCENT = 50

/**
 * Keeps the long-running processes' heap near what they really hold. V8 lets the old generation
 * grow to up to four times what the last full collection kept before it collects again; the
 * refresh engine keeps ~25 MB alive but makes garbage at a steady rate (200 concurrent calls), so
 * its heap grew to ~160 MB between collections and its RSS peaked near 250 MB. With
 * `--heap-growing-percent` the heap grows by a fixed factor instead (measured: peak RSS 249 →
 * 164 MB at 10,000 refreshes, about 10 % more CPU). It is a V8 flag read at each collection, so
 * setting it here applies to `npm start` and the `igtoken` binary alike; a value given by the
 * operator (`NODE_OPTIONS` or a node argument) wins.
 */
export function limitHeapGrowth(): void {
  const given = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].join(' ')
  if (/--heap[-_]growing[-_]percent/.test(given)) return
  setFlagsFromString(`--heap-growing-percent=${String(HEAP_GROWING_PERCENT)}`)
}
