import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

import * as library from '../../src/index.js'
import { CLASSIFIED_CODES, CLASSIFIED_SUBCODES } from '../../src/meta/graph-error.js'
import { IGB_CODES, IGW_CODES } from '../../src/index.js'

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

function exported(prefix: string): string[] {
  return Object.entries(library)
    .filter(([name, value]) => name.startsWith(prefix) && typeof value === 'string')
    .map(([, value]) => value as string)
    .sort()
}

function documented(prefix: string): string[] {
  // Each code has its own heading: "### IGB_SOMETHING".
  const heading = new RegExp(`^#{2,4} \`?(${prefix}[A-Z0-9_]+)\`?\\s*$`, 'gm')
  return [...doc.matchAll(heading)].map((m) => m[1]!).sort()
}

test('every exported IGB_ code is documented and every documented one exists', () => {
  assert.deepEqual(documented('IGB_'), exported('IGB_'))
  assert.deepEqual(exported('IGB_'), [...IGB_CODES].sort())
})

test('every IGW_ warning code is documented and every documented one exists', () => {
  assert.deepEqual(documented('IGW_'), exported('IGW_'))
  assert.deepEqual(exported('IGW_'), [...IGW_CODES].sort())
})

test('no code is mentioned in the doc that the library does not export', () => {
  const mentioned = new Set(doc.match(/\bIG[BW]_[A-Z0-9_]+\b/g) ?? [])
  const known = new Set([...IGB_CODES, ...IGW_CODES, 'IGB_CODES', 'IGW_CODES'])
  assert.deepEqual(
    [...mentioned].filter((c) => !known.has(c as never)),
    [],
  )
})

test('the MetaApiError action table lists every action', () => {
  for (const action of ['reauthorize', 'retry-later', 'fix-request', 'permission', 'unknown']) {
    assert.match(doc, new RegExp(`^\\| \`${action}\` +\\|`, 'm'))
  }
})

test('every Graph code and subcode the classification reads is in the action table', () => {
  const table = doc.slice(
    doc.indexOf('## MetaApiError actions'),
    doc.indexOf('## BrokerError codes'),
  )
  const missing = [...CLASSIFIED_CODES, ...CLASSIFIED_SUBCODES].filter(
    (code) => !new RegExp(`\\b${code}\\b`).test(table),
  )
  assert.deepEqual(missing, [])
})
