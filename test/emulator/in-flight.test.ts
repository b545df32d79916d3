import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { waitFor } from '../helpers/wait-for.js'
import { emulator, igLogin } from './helpers.js'

// GET /_emulator/requests?inFlight=true: what has arrived and has no answer yet, so tests (ours
// and users') can wait for "the call is in flight" instead of sleeping.
describe('requests in flight', () => {
  test('a request held by latency is listed from arrival until answered, then only in the log', async (t) => {
    const emu = await emulator(t)
    const token = await igLogin(emu)
    await emu.control.setFaults({ rules: [{ match: { endpoint: 'ig.me' }, latencyMs: 1_000 }] })
    const before = Date.now()
    const pending = fetch(`${emu.url}/graph.instagram.com/me?access_token=${token}`)
    await waitFor('the call to arrive', async () => {
      return (await emu.control.requestsInFlight({ endpoint: 'ig.me' })).length === 1
    })
    const [entry] = await emu.control.requestsInFlight()
    assert.ok(entry)
    assert.equal(entry.method, 'GET')
    assert.equal(entry.host, 'graph.instagram.com')
    assert.equal(entry.path, '/me')
    assert.equal(entry.endpoint, 'ig.me')
    assert.ok(Math.abs(entry.since - before) < 1_000, 'arrival time on the emulator clock')
    assert.ok(!JSON.stringify(entry).includes(token), 'never the token')
    // The log records a request once answered: not yet.
    assert.deepEqual(await emu.control.requests({ endpoint: 'ig.me' }), [])
    assert.deepEqual(
      await emu.control.requestsInFlight({ endpoint: 'ig.refresh_access_token' }),
      [],
    )
    assert.deepEqual(await emu.control.requestsInFlight({ method: 'post' }), [])

    const res = await pending
    assert.equal(res.status, 200)
    assert.ok(Date.now() - before >= 1_000, 'the latency was served')
    assert.deepEqual(await emu.control.requestsInFlight(), [])
    assert.equal((await emu.control.requests({ endpoint: 'ig.me' })).length, 1)
  })

  test('a held request the client gives up on leaves the list', async (t) => {
    const emu = await emulator(t)
    await emu.control.setFaults({
      rules: [{ match: { endpoint: 'ig.me' }, timeoutRate: 1, holdMaxMs: 60_000 }],
    })
    const abort = new AbortController()
    const pending = fetch(`${emu.url}/graph.instagram.com/me`, { signal: abort.signal })
    await waitFor('the call to arrive', async () => {
      return (await emu.control.requestsInFlight()).length === 1
    })
    abort.abort()
    await assert.rejects(pending, { name: 'AbortError' })
    await waitFor('the dropped call to leave the list', async () => {
      return (await emu.control.requestsInFlight()).length === 0
    })
    await emu.control.clearFaults()
  })

  test('filters known only after the answer are refused with 400', async (t) => {
    const emu = await emulator(t)
    for (const query of ['inFlight=true&status=200', 'inFlight=true&appId=1', 'inFlight=yes']) {
      const res = await fetch(`${emu.url}/_emulator/requests?${query}`)
      assert.equal(res.status, 400, query)
      const body = (await res.json()) as { error: { code: string } }
      assert.equal(body.error.code, 'invalid_body', query)
    }
    const res = await fetch(`${emu.url}/_emulator/requests?inFlight=false`)
    assert.equal(res.status, 200, 'false is the log')
  })
})
