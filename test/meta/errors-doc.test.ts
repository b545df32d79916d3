import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

import { SERVICE_ERROR_CODES, ServiceError } from '../../src/broker/service-error.js'
import { cliFailureOf } from '../../src/cli/errors.js'
import { ERROR_CODE_REGISTRY } from '../../src/error-codes.js'
import * as library from '../../src/index.js'
import { CLASSIFIED_CODES, CLASSIFIED_SUBCODES } from '../../src/meta/graph-error.js'
import { IGB_CODES, IGW_CODES } from '../../src/index.js'
import { HTTP_STATUS } from '../../src/server/errors.js'
import { STORE_ERROR_CODES } from '../../src/store/index.js'

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

function exported(prefix: string): string[] {
  return Object.entries(library)
    .filter(([name, value]) => name.startsWith(prefix) && typeof value === 'string')
    .map(([, value]) => value as string)
    .sort()
}

/** The text of one `## Title` section, up to the next `## `. */
function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`)
  assert.notEqual(start, -1, `docs/errors.md has a "## ${title}" section`)
  const end = doc.indexOf('\n## ', start + 1)
  return doc.slice(start, end === -1 ? undefined : end)
}

/** Codes with a heading of their own ("### IGB_SOMETHING") in a section (or the whole doc). */
function documented(prefix: string, text = doc): string[] {
  const heading = new RegExp(`^#{2,4} \`?(${prefix}[A-Z0-9_]+)\`?\\s*$`, 'gm')
  return [...text.matchAll(heading)].map((m) => m[1]!).sort()
}

/** The rows of a section's table: first cell (a code in backquotes) → the other cells. */
function tableRows(text: string): Map<string, string[]> {
  const rows = new Map<string, string[]>()
  for (const m of text.matchAll(/^\| `([a-z_]+)` +\|(.*)\|\s*$/gm)) {
    assert.ok(!rows.has(m[1]!), `${m[1]!} is listed once`)
    rows.set(
      m[1]!,
      m[2]!.split('|').map((c) => c.trim()),
    )
  }
  return rows
}

test('every exported IGB_ code is documented and every documented one exists', () => {
  assert.deepEqual(documented('IGB_', section('BrokerError codes')), exported('IGB_'))
  assert.deepEqual(exported('IGB_'), [...IGB_CODES].sort())
})

test('every IGW_ warning code is documented and every documented one exists', () => {
  assert.deepEqual(documented('IGW_'), exported('IGW_'))
  assert.deepEqual(exported('IGW_'), [...IGW_CODES].sort())
})

test('no code is mentioned in the doc that the library does not export', () => {
  const mentioned = new Set(doc.match(/\bIG[BW]_[A-Z0-9_]+\b/g) ?? [])
  const known = new Set([
    ...IGB_CODES,
    ...IGW_CODES,
    ...STORE_ERROR_CODES,
    'IGB_CODES',
    'IGW_CODES',
  ])
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

test('the store section lists exactly the StoreError codes', () => {
  assert.deepEqual(documented('IGB_', section('Store error codes')), [...STORE_ERROR_CODES].sort())
  assert.deepEqual([...ERROR_CODE_REGISTRY.store].sort(), [...STORE_ERROR_CODES].sort())
})

test('the service table lists exactly the ServiceError codes, each with its HTTP status and exit code', () => {
  const rows = tableRows(section('Service error codes'))
  assert.deepEqual([...rows.keys()].sort(), [...ERROR_CODE_REGISTRY.service].sort())
  for (const code of SERVICE_ERROR_CODES) {
    const [http, exit] = rows.get(code)!
    // The status and exit code the edges really use, read through their mappers.
    assert.equal(Number(http), HTTP_STATUS[code], `${code}: HTTP status`)
    assert.equal(Number(exit), cliFailureOf(new ServiceError(code, 'x')).exit, `${code}: exit`)
  }
})

test('the start-up and CLI tables list exactly their registries', () => {
  assert.deepEqual(
    [...tableRows(section('Start-up error codes')).keys()].sort(),
    [...ERROR_CODE_REGISTRY.startup].sort(),
  )
  assert.deepEqual(
    [...tableRows(section('CLI error codes')).keys()].sort(),
    [...ERROR_CODE_REGISTRY.cli].sort(),
  )
})

test('the protocol and warning sections of the registry are the exported codes of the library', () => {
  assert.deepEqual([...ERROR_CODE_REGISTRY.protocol].sort(), exported('IGB_'))
  assert.deepEqual([...ERROR_CODE_REGISTRY.warning].sort(), exported('IGW_'))
})
