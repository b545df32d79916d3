import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { answerConsent } from '../helpers/consent.js'
import { connectThroughBrowserless, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

// Issue #15 item 12: the success page named the flavor by its id ("instagram-login").

let svc: TestService
before(async () => {
  svc = await startTestService()
})
after(() => svc.close())

test('the connect success page names the flavor in words, not by its id', async () => {
  const done = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'allow'))
  assert.equal(done.response.status, 200)
  const html = await done.response.text()
  assert.match(html, /is connected through the Instagram API with Instagram Login\./)
  assert.doesNotMatch(html, /instagram-login/)
})
