// Demo mode's one clock: moving the embedded emulator's clock through its control API moves the
// service, so the refresh engine wakes and refreshes on the day, and a token Meta refuses turns
// the account needs_reauth with its webhook. Checked over HTTP and, independently, in the events
// table and against the emulator itself.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'
import { startReceiver } from '../refresh/rig.js'
import type { Receiver } from '../refresh/rig.js'

const DAY = 86_400_000
const SECRET = 'demo-clock-webhook-secret-0123456789'
const CREATOR = '17841405822304914'
const BUSINESS = '17841405793187218'

/** Polls `check` every 50 ms until it returns a value, for at most `ms`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 10_000) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

for (const dialect of SERVICE_DIALECTS) {
  describe(`demo mode's shared clock [${dialect}]`, () => {
    let svc: TestService
    let receiver: Receiver
    let key: string
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${svc.url}/api/v1${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      })

    before(async () => {
      // Polls far apart: only the clock's announcement can make the engine run in time.
      svc = await startTestService(
        { IGTOKEN_REFRESH_POLL_SECONDS: '3600' },
        { dialect, sharedClock: true },
      )
      receiver = await startReceiver(SECRET, () => svc.now())
      key = await svc.apiKey()
      const add = await api('/webhooks', {
        method: 'POST',
        body: JSON.stringify({ url: receiver.url, secret: SECRET }),
      })
      assert.equal(add.status, 201)
    })
    after(async () => {
      await receiver.close()
      await svc.close()
    })

    async function connect(userId: string): Promise<string> {
      const res = await connectThroughBrowserless(svc.url, (u) =>
        answerConsent(u, 'allow', { userId }),
      )
      assert.equal(res.response.status, 200)
      const list = (await (await api('/accounts')).json()) as {
        data: { id: string; user_id: string }[]
      }
      const account = list.data.find((a) => a.user_id === userId)
      assert.ok(account)
      return account.id
    }
    const tokenOf = async (id: string) =>
      ((await (await api(`/accounts/${id}/token`)).json()) as { access_token: string }).access_token
    const eventsOf = async (id: string, type: string) =>
      (
        await sql<{
          n: number | string
        }>`select count(*) as n from events where account_id = ${id} and type = ${type}`.execute(
          svc.service.store.db,
        )
      ).rows.map((r) => Number(r.n))[0] ?? 0

    test('the service reads the emulator clock: one clock, not two', async () => {
      const before = (await svc.control.getClock()).now
      assert.ok(Math.abs(svc.service.runtime.ctx.now() - before) < 5_000)
      await svc.control.advanceClock(3 * DAY)
      assert.ok(svc.service.runtime.ctx.now() - before >= 3 * DAY)
    })

    test('46 days on the emulator clock: the engine wakes and refreshes; Meta accepts the new token', async () => {
      const id = await connect(BUSINESS)
      const first = await tokenOf(id)
      await svc.control.advanceClock(46 * DAY)
      await until('token.refreshed', async () =>
        (await eventsOf(id, 'token.refreshed')) === 1 ? true : undefined,
      )
      const second = await tokenOf(id)
      assert.notEqual(second, first)
      // Meta (the emulator) answers /me with the new token at the moved time.
      const me = await fetch(
        `${svc.emulatorUrl}/graph.instagram.com/v25.0/me?fields=id&access_token=${encodeURIComponent(second)}`,
      )
      assert.equal(me.status, 200)
      const view = (await (await api(`/accounts/${id}`)).json()) as { status: string }
      assert.equal(view.status, 'active')
    })

    test('a token Meta refuses turns the account needs_reauth, with its webhook, once', async () => {
      const id = await connect(CREATOR)
      await svc.control.changePassword({ userId: CREATOR })
      await svc.control.advanceClock(46 * DAY)
      await until('needs_reauth', async () => {
        const view = (await (await api(`/accounts/${id}`)).json()) as { status: string }
        return view.status === 'needs_reauth' ? true : undefined
      })
      // Past the token's 60 days: still needs_reauth (not expired), and told once.
      await svc.control.advanceClock(20 * DAY)
      await svc.service.refresh.engine.wake()
      const view = (await (await api(`/accounts/${id}`)).json()) as { status: string }
      assert.equal(view.status, 'needs_reauth')
      assert.equal(await eventsOf(id, 'account.needs_reauth'), 1)
      const hook = await until('the webhook', async () =>
        Promise.resolve(
          receiver.received.find(
            (r) => r.event.type === 'account.needs_reauth' && r.event.account.id === id,
          ),
        ),
      )
      assert.ok(hook.verified, 'signed with the shared clock, verified with it')
    })

    test('the clock control of the emulator refuses bad input and the service clock stays put', async () => {
      const before = svc.service.runtime.ctx.now()
      const res = await fetch(`${svc.emulatorUrl}/_emulator/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms: 'soon' }),
      })
      assert.equal(res.status, 400)
      assert.ok(svc.service.runtime.ctx.now() - before < 5_000)
    })
  })
}
