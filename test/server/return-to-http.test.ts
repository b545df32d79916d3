import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { answerConsent } from '../helpers/consent.js'
import { SERVICE_DIALECTS, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

// Issue #13 item 1, through HTTP: dot segments that collapse into "//host" are refused at
// /connect, and the callback always redirects to an absolute URL on IGTOKEN_PUBLIC_URL.
for (const dialect of SERVICE_DIALECTS) {
  describe(`return_to over HTTP [${dialect}]`, () => {
    let svc: TestService
    before(async () => {
      svc = await startTestService({}, { dialect })
    })
    after(async () => {
      await svc.close()
    })

    async function attempts(): Promise<number> {
      const row = await svc.service.store.db
        .selectFrom('connect_attempts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      return row.n
    }

    test('dot-segment open redirects are refused with 400 and nothing is stored', async () => {
      const before = await attempts()
      for (const bad of ['/.//evil.com', '/..//x', '/%2e//x', '/a/..//x']) {
        const res = await fetch(`${svc.url}/connect?return_to=${encodeURIComponent(bad)}`, {
          redirect: 'manual',
          headers: { accept: 'application/json' },
        })
        assert.equal(res.status, 400, bad)
        assert.equal(res.headers.get('location'), null, bad)
        const body = (await res.json()) as { error: { code: string } }
        assert.equal(body.error.code, 'return_to_refused', bad)
      }
      assert.equal(await attempts(), before)
    })

    test('a good return_to ends in 303 to an absolute URL on the public URL', async () => {
      const start = await fetch(`${svc.url}/connect?return_to=%2Fdone`, { redirect: 'manual' })
      assert.equal(start.status, 302)
      const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
      const callback = await answerConsent(start.headers.get('location') ?? '', 'allow')
      const res = await fetch(callback, { headers: { cookie }, redirect: 'manual' })
      assert.equal(res.status, 303)
      const location = res.headers.get('location') ?? ''
      // Checked a second way: parsed, the URL is on the service's own origin.
      assert.equal(location, `${svc.service.runtime.ctx.publicUrl}/done`)
      assert.equal(new URL(location).origin, new URL(svc.url).origin)
    })
  })
}
