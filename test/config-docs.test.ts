import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { CONFIG_VARIABLES } from '../src/config-schema.js'

test('docs/configuration.md documents every variable the service reads, and no other', () => {
  const doc = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8')
  const documented = new Set([...doc.matchAll(/^\| `(IGTOKEN_[A-Z_]+)` +\|/gm)].map((m) => m[1]))
  for (const name of CONFIG_VARIABLES) assert.ok(documented.has(name), `${name} is not documented`)
  const extra = [...documented].filter(
    (name) => name !== undefined && !CONFIG_VARIABLES.includes(name),
  )
  assert.deepEqual(extra, [], 'documented variables that the service does not read')
})
