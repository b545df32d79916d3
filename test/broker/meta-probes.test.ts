// The login-dialog probe of `doctor`, `init` and the start-up probes: an answer it cannot read
// (nothing listening, an HTML error page) is a warning, never a pass. Real loopback servers, no
// fetch stubs.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { checkLoginDialog } from '../../src/broker/meta-probes.js'
import { createMetaClient, emulatorBaseUrls } from '../../src/meta/index.js'
import { freePort } from '../helpers/ports.js'

const REDIRECT = 'http://127.0.0.1:8787/callback'

function metaAt(url: string) {
  return createMetaClient({
    flavor: 'instagram-login',
    appId: '1234567890',
    appSecret: 'probe-secret-probe-secret',
    redirectUri: REDIRECT,
    baseUrls: emulatorBaseUrls(url),
    retries: 0,
  })
}

describe('the login-dialog probe', () => {
  const html = createServer((_request, response) => {
    response.writeHead(500, { 'content-type': 'text/html' }).end('<html>Sorry, something</html>')
  })
  let htmlUrl = ''
  before(async () => {
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve))
    htmlUrl = `http://127.0.0.1:${String((html.address() as AddressInfo).port)}`
  })
  after(() => {
    html.close()
  })

  test('an HTML error page is a warning naming its status, not a pass', async () => {
    const result = await checkLoginDialog(metaAt(htmlUrl), REDIRECT)
    assert.equal(result.status, 'warn')
    assert.match(result.detail, /HTTP 500/)
  })

  test('a dialog that cannot be reached is a warning, not a pass', async () => {
    const closed = `http://127.0.0.1:${String(await freePort())}`
    const result = await checkLoginDialog(metaAt(closed), REDIRECT, { timeoutMs: 2_000 })
    assert.equal(result.status, 'warn')
    assert.match(result.detail, /could not be reached/)
  })
})
