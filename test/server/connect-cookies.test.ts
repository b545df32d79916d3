import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { connectCookieName } from '../../src/server/routes/connect.js'
import { answerConsent } from '../helpers/consent.js'
import { SERVICE_DIALECTS, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

/** A browser's cookie jar, reduced to what this test needs. */
class Jar {
  readonly cookies = new Map<string, string>()
  take(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';')
      const eq = pair.indexOf('=')
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(header) || eq === pair.length - 1) {
        this.cookies.delete(pair.slice(0, eq))
      } else this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1))
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}

// Issue #13: a second /connect in the same browser used to overwrite the first one's cookie.
for (const dialect of SERVICE_DIALECTS) {
  describe(`one connect flow per attempt, not per browser [${dialect}]`, () => {
    let svc: TestService
    before(async () => {
      svc = await startTestService({}, { dialect })
    })
    after(async () => {
      await svc.close()
    })

    test('two /connect in one cookie jar: both callbacks succeed', async () => {
      const jar = new Jar()
      const starts: string[] = []
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${svc.url}/connect`, {
          redirect: 'manual',
          headers: { cookie: jar.header() },
        })
        assert.equal(res.status, 302)
        jar.take(res)
        starts.push(res.headers.get('location') ?? '')
      }
      // Checked a second way: one cookie per attempt, named from each attempt's own state.
      const names = starts.map((u) => connectCookieName(new URL(u).searchParams.get('state') ?? ''))
      assert.notEqual(names[0], names[1])
      assert.deepEqual([...jar.cookies.keys()].sort(), [...names].sort())

      const users = ['17841405822304914', '17841405793187218']
      for (const [i, start] of starts.entries()) {
        const callback = await answerConsent(start, 'allow', { userId: users[i] ?? '' })
        const res = await fetch(callback, {
          headers: { cookie: jar.header(), accept: 'application/json' },
          redirect: 'manual',
        })
        assert.equal(res.status, 200, `attempt ${i + 1}: ${await res.clone().text()}`)
        jar.take(res)
        assert.equal(jar.cookies.has(names[i] ?? ''), false, 'the used cookie is cleared')
      }
    })
  })
}
