import assert from 'node:assert/strict'
import { test } from 'node:test'
import { redactUrl } from '../../src/server/redact.js'

test('redactUrl masks every secret parameter, whatever its case or encoding, and keeps the rest', () => {
  assert.equal(redactUrl('/callback'), '/callback')
  assert.equal(
    redactUrl('/callback?code=AQB%23_&state=abc&x=1'),
    '/callback?code=[redacted]&state=[redacted]&x=1',
  )
  assert.equal(
    redactUrl('/x?ACCESS_TOKEN=IGAA1&a%63cess_token=IGAA2'),
    '/x?ACCESS_TOKEN=[redacted]&a%63cess_token=[redacted]',
  )
  assert.equal(
    redactUrl('/x?signed_request=a.b&bad=%E0%A4%A'),
    '/x?signed_request=[redacted]&bad=%E0%A4%A',
  )
  assert.equal(redactUrl('/x?code'), '/x?code=[redacted]')
})
