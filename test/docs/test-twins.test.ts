import assert from 'node:assert/strict'
import { test } from 'node:test'
// @ts-expect-error -- a plain .mjs script without types, run by the test runner itself.
import { missingPostgresTwins } from '../../scripts/test-twins.mjs'

const find = missingPostgresTwins as (tap: string) => string[]

test('the runner finds a SQLite variant whose PostgreSQL twin did not run, counting by name', () => {
  const tap = [
    'TAP version 13',
    '# Subtest: connect [sqlite]',
    '    ok 1 - missing state',
    'ok 1 - connect [sqlite]',
    '# Subtest: connect [postgres]',
    '    ok 1 - missing state',
    'ok 2 - connect [postgres]',
    '    ok 1 - [sqlite] lease claim',
    '    ok 2 - [sqlite] lease claim',
    '    ok 3 - [postgres] lease claim',
    'not ok 3 - feeds [sqlite]',
    'ok 4 - SQLite only: a lock held by another process',
    'ok 5 - dashboard [sqlite] # SKIP no browser',
  ].join('\n')
  assert.deepEqual(find(tap), ['[sqlite] lease claim', 'dashboard [sqlite]', 'feeds [sqlite]'])
})

test('a run where every variant has its twin has nothing to report', () => {
  const tap = ['ok 1 - a [sqlite]', 'ok 2 - a [postgres]', 'not ok 3 - b [postgres]'].join('\n')
  assert.deepEqual(find(tap), [])
})
