// docs/guarantees.md pairs every promise of the docs with the test that attacks it. A promise
// whose test was renamed, moved or deleted must not keep pointing at nothing.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { test } from 'node:test'

const ROOT = new URL('../../', import.meta.url)
const GUARANTEES = readFileSync(new URL('docs/guarantees.md', ROOT), 'utf8')

interface Row {
  readonly promise: string
  readonly file: string
  readonly name: string
}

/** Rows of the tables: `| promise | where | \`test/file.test.ts\` › name |`. */
function rows(): Row[] {
  const out: Row[] = []
  for (const line of GUARANTEES.split('\n')) {
    if (!line.startsWith('|') || /^\|\s*-/.test(line) || /^\|\s*promise\s*\|/i.test(line)) continue
    const cells = line.split('|').map((c) => c.trim())
    const promise = cells[1] ?? ''
    const attack = cells.at(-2) ?? ''
    for (const ref of attack.split('<br>')) {
      const match = /`(test\/[^`]+\.test\.ts)`\s*›\s*(.+)$/.exec(ref.trim())
      assert.ok(match, `"${promise}": "${ref.trim()}" names a test as \`test/file.test.ts\` › name`)
      out.push({ promise, file: match[1] ?? '', name: (match[2] ?? '').trim() })
    }
  }
  return out
}

test('every promise in docs/guarantees.md names a test file and a test that exist', () => {
  const all = rows()
  assert.ok(all.length >= 30, `${all.length} promises listed`)
  for (const row of all) {
    const path = new URL(row.file, ROOT)
    assert.ok(existsSync(path), `${row.promise}: ${row.file} exists`)
    const source = readFileSync(path, 'utf8').replace(/\s+/g, ' ')
    // The name inside a test() or describe() title (a comment or an assertion message with the
    // same words does not count).
    const titles = [
      ...source.matchAll(/\b(?:test|describe|it)\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g),
    ].map((m) => m[2] ?? '')
    assert.ok(
      titles.some((title) => title.includes(row.name.replace(/\s+/g, ' '))),
      `${row.promise}: ${row.file} has a test named "${row.name}"`,
    )
  }
})

test('the docs that make promises are the ones docs/guarantees.md covers', () => {
  const docs = readdirSync(new URL('docs/', ROOT)).filter((f) => f.endsWith('.md'))
  const covered = new Set(
    [...GUARANTEES.matchAll(/\b(README\.md|docs\/[a-z-]+\.md)/g)].map((m) => m[1] ?? ''),
  )
  const strong = /\b(never|at once|exactly once|nothing (is )?lost|twice)\b/i
  for (const doc of ['README.md', ...docs.map((d) => `docs/${d}`)]) {
    // Measurements and the test runner's own rules are not promises of the product.
    if (['docs/guarantees.md', 'docs/benchmarks.md', 'docs/testing.md'].includes(doc)) continue
    const text = readFileSync(new URL(doc, ROOT), 'utf8')
    if (strong.test(text)) assert.ok(covered.has(doc), `${doc} makes promises: list them`)
  }
})
