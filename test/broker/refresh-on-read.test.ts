import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { READ_WAIT_MS } from '../../src/broker/token-service.js'
import { answerConsent } from '../helpers/consent.js'
import { waitFor } from '../helpers/wait-for.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

const DAY = 86_400_000
const USER = '17841405793187218'

// Refresh on read (issue #13, item 7): the reader gets the stored token at once, the refresh
// runs behind it and honours the backoff; a held lease is "busy", never a 20 s wait.
for (const dialect of SERVICE_DIALECTS) {
  describe(`refresh on read [${dialect}]`, () => {
    let svc: TestService
    let key: string
    before(async () => {
      svc = await startTestService({ IGTOKEN_TOKEN_CACHE_SECONDS: '0' }, { dialect })
      key = await svc.apiKey()
    })
    after(async () => {
      await svc.control.clearFaults()
      await svc.close()
    })

    function api(path: string, init: RequestInit = {}): Promise<Response> {
      return fetch(`${svc.url}/api/v1${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}` },
      })
    }

    /** A freshly connected account whose token is then 55 days old: inside the read window. */
    async function dueAccount(): Promise<string> {
      const res = await connectThroughBrowserless(svc.url, (u) =>
        answerConsent(u, 'allow', { userId: USER }),
      )
      assert.equal(res.response.status, 200)
      const row = await svc.service.store.db
        .selectFrom('accounts')
        .select('id')
        .where('ig_user_id', '=', USER)
        .executeTakeFirstOrThrow()
      await svc.advance(55 * DAY)
      return row.id
    }

    /**
     * Waits (at most 15 s) until the refresh behind the reads has failed and given its lease back:
     * its failure is on the row (at or after `since`, service time) and nobody holds the lease.
     */
    async function settled(accountId: string, since: number): Promise<void> {
      await waitFor(
        'the refresh behind the reads to record its failure and give its lease back',
        async () => {
          const rows = await svc.service.store.db
            .selectFrom('tokens')
            .select(['lease_owner', 'last_error_at'])
            .where('account_id', '=', accountId)
            .execute()
          return (
            rows.length === 1 &&
            rows.every(
              (r) => r.lease_owner === null && r.last_error_at !== null && r.last_error_at >= since,
            )
          )
        },
        15_000,
      )
    }

    async function metaRefreshCalls(sinceSeq: number): Promise<number> {
      const calls = await svc.control.requests({ endpoint: 'ig.refresh_access_token', sinceSeq })
      return calls.length
    }

    async function lastSeq(): Promise<number> {
      return (await svc.control.requests()).at(-1)?.seq ?? 0
    }

    test('while Meta answers 500, many reads make one refresh attempt within the backoff', async () => {
      const id = await dueAccount()
      const seq = await lastSeq()
      const since = svc.now()
      await svc.control.setFaults({
        rules: [{ match: { endpoint: 'ig.refresh_access_token' }, errorRate: 1 }],
      })
      try {
        for (let i = 0; i < 10; i++) {
          const res = await api(`/accounts/${id}/token`)
          assert.equal(res.status, 200, 'the stored token is still valid: served')
        }
        // The attempt behind the reads settles (its failure is recorded on the row).
        await settled(id, since)
        const attempts = await metaRefreshCalls(seq)
        assert.ok(attempts >= 1, 'a refresh was attempted')
        for (let i = 0; i < 10; i++) {
          assert.equal((await api(`/accounts/${id}/token`)).status, 200)
        }
        // Absence is what is tested here: a read that ignored the backoff would have started its
        // refresh before answering, so this window gives such a call time to reach Meta.
        await new Promise((resolve) => setTimeout(resolve, 200))
        assert.deepEqual(
          await svc.control.requestsInFlight({ endpoint: 'ig.refresh_access_token' }),
          [],
          'no refresh call is under way either',
        )
        assert.equal(await metaRefreshCalls(seq), attempts, 'no new call within the backoff')
        // One attempt: at most the transport's own retries of that single call.
        assert.ok(attempts <= 3, `one attempt, not one per read (${String(attempts)} calls)`)
      } finally {
        await svc.control.clearFaults()
      }
    })

    test('while Meta hangs, a read of a valid token answers within the bound', async () => {
      const id = await dueAccount()
      await svc.control.setFaults({
        rules: [
          { match: { endpoint: 'ig.refresh_access_token' }, timeoutRate: 1, holdMaxMs: 2_500 },
        ],
      })
      try {
        const since = svc.now()
        const started = Date.now()
        const res = await api(`/accounts/${id}/token`)
        const took = Date.now() - started
        assert.equal(res.status, 200)
        assert.ok(took < READ_WAIT_MS, `answered in ${String(took)} ms`)
        await settled(id, since)
      } finally {
        await svc.control.clearFaults()
      }
    })

    test('a lease held by another process answers 503 busy with Retry-After at once', async () => {
      const id = await dueAccount()
      // A dead owner's lease (a crash mid-refresh): this process must not wait 20 s for it.
      await svc.service.store.db
        .updateTable('tokens')
        .set({ lease_owner: 'serve:elsewhere:999999:dead', lease_until: svc.now() + 120_000 })
        .where('account_id', '=', id)
        .execute()
      const started = Date.now()
      const res = await api(`/accounts/${id}/refresh`, { method: 'POST' })
      assert.ok(Date.now() - started < READ_WAIT_MS)
      assert.equal(res.status, 503)
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'busy')
      const retryAfter = Number(res.headers.get('retry-after'))
      assert.ok(retryAfter >= 1 && retryAfter <= 120, String(retryAfter))
      // A read still gets the valid stored token, without waiting for the lease.
      assert.equal((await api(`/accounts/${id}/token`)).status, 200)
    })
  })
}
