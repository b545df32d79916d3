// Variants of one test on both databases are named alike, `… [sqlite]` and `… [postgres]` (see
// test/helpers/service.ts SERVICE_DIALECTS). Counting them by name in the TAP output finds a
// [sqlite] test whose [postgres] twin did not run: a loop that lost PostgreSQL, or a suite that
// never looped. A test that can only ever run on SQLite says so in words ("SQLite only").

/**
 * The [sqlite] test and suite names of a TAP report that ran more often than their [postgres]
 * twin of the same name.
 * @param {string} tap - node:test's TAP output
 * @returns {string[]}
 */
export function missingPostgresTwins(tap) {
  const counts = new Map()
  for (const match of tap.matchAll(/^\s*(?:not )?ok \d+ - (.*?)(?: # (?:SKIP|TODO)\b.*)?$/gm)) {
    const name = match[1] ?? ''
    counts.set(name, (counts.get(name) ?? 0) + 1)
  }
  const missing = []
  for (const [name, n] of counts) {
    if (!name.includes('[sqlite]')) continue
    if ((counts.get(name.replaceAll('[sqlite]', '[postgres]')) ?? 0) < n) missing.push(name)
  }
  return missing.sort()
}
