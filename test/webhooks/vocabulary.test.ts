// One event vocabulary: the event log, the webhook catalogue, what subscribers may ask for and
// docs/webhooks.md name the same events.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { EVENT_TYPES as BROKER_EVENTS } from '../../src/broker/effects/index.js'
import { WEBHOOK_EVENT_TYPES } from '../../src/broker/webhooks/index.js'
import { EVENT_TYPES } from '../../src/store/index.js'

const DOC = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8')

test('the store, the effects, the webhook catalogue and docs/webhooks.md list the same events', () => {
  const table = DOC.slice(DOC.indexOf('## Events'), DOC.indexOf('A body looks like this'))
  const documented = [...table.matchAll(/^\| `([a-z_]+\.[a-z_]+)`/gm)].map((m) => m[1])
  assert.deepEqual([...documented].sort(), [...EVENT_TYPES].sort())
  assert.deepEqual([...BROKER_EVENTS].sort(), [...EVENT_TYPES].sort())
  assert.deepEqual([...WEBHOOK_EVENT_TYPES].sort(), [...EVENT_TYPES].sort())
})
