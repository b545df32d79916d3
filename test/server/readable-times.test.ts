import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { USERS, signIn, startDashboardService, visit } from '../dashboard/harness.js'
import type { DashboardService, Jar } from '../dashboard/harness.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** The words a `<time>` must show for its instant, computed here independently of the app. */
function expectedWords(iso: string): string {
  const [date = '', time = ''] = iso.split('T')
  const [y, m, d] = date.split('-').map(Number)
  return `${String(d)} ${MONTHS[(m ?? 1) - 1] ?? ''} ${String(y)}, ${time.slice(0, 5)} UTC`
}

/**
 * Every `<time datetime>` of a page, each checked to read as words, not as ISO or epoch.
 * @returns how many absolute times were compared with their expected words
 */
function assertReadableTimes(html: string, where: string): number {
  const times = [...html.matchAll(/<time[^>]*datetime="([^"]+)"[^>]*>([^<]*)<\/time>/g)]
  let compared = 0
  for (const [, iso = '', text = ''] of times) {
    if (!/^\d{4}-\d{2}-\d{2}T/.test(iso)) continue
    // Relative words ("in 59 days") are fine too; an absolute time must be the readable form.
    if (/ago|in \d|just now/.test(text)) continue
    assert.equal(text, expectedWords(iso), `${where}: <time datetime="${iso}">${text}</time>`)
    compared++
  }
  // Outside attributes, no raw ISO instant and no epoch number is shown.
  const shown = html.replace(/<[^>]*>/g, ' ')
  assert.doesNotMatch(shown, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, `${where}: raw ISO shown`)
  assert.doesNotMatch(shown, /\b1\d{9}(\d{3})?\b/, `${where}: epoch number shown`)
  return compared
}

describe('times read as words with <time datetime> (#15 item 12)', () => {
  let svc: DashboardService
  let jar: Jar
  before(async () => {
    svc = await startDashboardService()
    jar = await signIn(svc.url)
  })
  after(async () => {
    await svc.close()
  })

  test('the account history shows its times, event details included, as words', async () => {
    const id = await svc.connect(USERS.business)
    const { html } = await visit(jar, `${svc.url}/dashboard/accounts/${id}`)
    assert.match(html, /expires_at: <time datetime="[^"]+">/, 'the connect event names its expiry')
    assert.ok(assertReadableTimes(html, 'account page') >= 3)
  })

  test('the deletion status page and the deletions list show times as words', async () => {
    await svc.connect(USERS.creator)
    const { callbacks } = await svc.control.deleteData({
      userId: USERS.creator,
      appId: DEMO_APP.instagramAppId,
    })
    const reply = callbacks[0]?.reply as { url: string }
    const page = await (await fetch(reply.url)).text()
    assert.equal(assertReadableTimes(page, 'status page'), 2, 'received and completed')
    const { html } = await visit(jar, `${svc.url}/dashboard/deletions`)
    assert.ok(assertReadableTimes(html, 'deletions') >= 2)
  })
})
