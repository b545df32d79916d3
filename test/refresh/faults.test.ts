import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { after, describe, test } from 'node:test'
import { getToken, listEventsByAccount, openToken } from '../../src/store/index.js'
import { DAY, startLiveRig } from './rig.js'
import type { LiveRig } from './rig.js'
import { SERVICE_DIALECTS } from '../helpers/service.js'

const MINUTE = 60_000

async function tokenOf(rig: LiveRig, id: string) {
  const row = await getToken(rig.service.store, id, 'instagram_long_lived')
  assert.ok(row)
  return row
}

for (const dialect of SERVICE_DIALECTS) {
  describe(`refresh engine: transient failures from Meta [${dialect}]`, () => {
    const rigs: LiveRig[] = []
    after(async () => {
      for (const rig of rigs) await rig.close()
    })

    for (const [name, rule] of [
      ['5xx', { errorRate: 1, errorStatus: 503 }],
      ['timeouts', { timeoutRate: 1, holdMaxMs: 200 }],
      ['malformed JSON', { malformedRate: 1 }],
    ] as const) {
      test(`${name}: the working token is kept, retries back off, then the refresh succeeds`, async () => {
        const rig = await startLiveRig({ dialect })
        rigs.push(rig)
        const [id] = await rig.seed(1)
        assert.ok(id)
        const before = await tokenOf(rig, id)
        const plaintext = openToken(rig.keyring, before).plaintext
        await rig.advance(16 * DAY)
        await rig.emulator.control.setFaults({
          rules: [{ match: { endpoint: 'ig.refresh_access_token' }, ...rule }],
        })

        const delays: number[] = []
        for (let attempt = 1; attempt <= 2; attempt++) {
          const round = await rig.service.refresh.engine.runOnce()
          assert.equal(round.outcomes.failed, 1, `attempt ${attempt} failed`)
          const row = await tokenOf(rig, id)
          assert.equal(row.attempts, attempt)
          assert.equal(row.version, before.version, 'the stored token is untouched')
          assert.equal(openToken(rig.keyring, row).plaintext, plaintext)
          assert.ok(row.next_refresh_at !== null && row.next_refresh_at > rig.now())
          delays.push(row.next_refresh_at - rig.now())
          // Not due yet: a round in between calls nobody.
          const quiet = await rig.service.refresh.engine.runOnce()
          assert.equal(quiet.claimed, 0)
          await rig.advance(row.next_refresh_at - rig.now())
        }
        // Jittered exponential backoff: 30–60 s, then 60–120 s.
        assert.ok(
          (delays[0] ?? 0) >= 30_000 && (delays[0] ?? 0) <= 60_000,
          `first delay ${delays[0]}`,
        )
        assert.ok(
          (delays[1] ?? 0) >= 60_000 && (delays[1] ?? 0) <= 120_000,
          `second delay ${delays[1]}`,
        )

        await rig.emulator.control.clearFaults()
        const round = await rig.service.refresh.engine.runOnce()
        assert.equal(round.outcomes.refreshed, 1)
        const after = await tokenOf(rig, id)
        assert.equal(after.version, before.version + 1)
        assert.equal(after.attempts, 0)
        assert.ok((after.expires_at ?? 0) > rig.now() + 59 * DAY)
        const events = await listEventsByAccount(rig.service.store, id)
        assert.equal(events.items.filter((e) => e.type === 'token.refresh_failed').length, 2)
        assert.equal(events.items.filter((e) => e.type === 'token.refreshed').length, 1)
      })
    }
  })

  /**
   * The emulator does not rate-limit the refresh endpoint, so a thin relay in front of it plays
   * Meta's app-level throttle: beyond `budget` calls per 5 simulated minutes it answers code 4 with
   * `X-App-Usage` at 100 %, as Meta does; other calls pass through unchanged.
   */
  async function startThrottlingRelay(
    target: () => string,
    now: () => number,
    budget: number,
  ): Promise<{ url: string; calls: number[]; close: () => Promise<void> }> {
    const calls: number[] = []
    const server: Server = createServer((req, res) => {
      const at = now()
      calls.push(at)
      const recent = calls.filter((t) => t > at - 5 * MINUTE).length
      if (req.url?.includes('/refresh_access_token') === true && recent > budget) {
        res.writeHead(400, {
          'content-type': 'application/json',
          'x-app-usage': '{"call_count":100,"total_time":40,"total_cputime":40}',
        })
        res.end(
          JSON.stringify({
            error: {
              message: '(#4) Application request limit reached',
              type: 'OAuthException',
              code: 4,
              fbtrace_id: 'relay',
            },
          }),
        )
        return
      }
      void fetch(`${target()}${req.url ?? '/'}`, { method: req.method ?? 'GET' }).then(
        async (upstream) => {
          const headers: Record<string, string> = {}
          upstream.headers.forEach((v, k) => {
            if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection')
              headers[k] = v
          })
          res.writeHead(upstream.status, headers)
          res.end(await upstream.text())
        },
      )
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    return {
      url: `http://127.0.0.1:${port}`,
      calls,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => {
            resolve()
          })
        }),
    }
  }

  describe(`refresh engine: throttling [${dialect}]`, () => {
    test('code 4 with X-App-Usage at 100 %: the engine pauses app-wide, then finishes', async () => {
      async function run(
        budget: number,
      ): Promise<{ firstWindow: number; total: number; refreshed: number }> {
        let relay: Awaited<ReturnType<typeof startThrottlingRelay>> | undefined
        let emulatorUrl = ''
        const clock = { now: () => 0 }
        const rig = await startLiveRig({
          dialect,
          env: { IGTOKEN_REFRESH_CONCURRENCY: '1' },
          metaUrl: async (url) => {
            emulatorUrl = url
            relay = await startThrottlingRelay(
              () => emulatorUrl,
              () => clock.now(),
              budget,
            )
            return relay.url
          },
        })
        clock.now = () => rig.now()
        try {
          const ids = await rig.seed(10, { dueNow: true })
          await rig.advance(2 * DAY)
          const start = rig.now()
          let refreshed = 0
          for (let minute = 0; minute < 30; minute++) {
            const round = await rig.service.refresh.engine.runOnce()
            refreshed += round.outcomes.refreshed ?? 0
            await rig.advance(MINUTE)
          }
          assert.ok(relay)
          const calls = relay.calls.filter((t) => t >= start)
          for (const id of ids)
            assert.equal(
              (await tokenOf(rig, id)).version,
              2,
              'every token was refreshed in the end',
            )
          return {
            firstWindow: calls.filter((t) => t < start + 5 * MINUTE).length,
            total: calls.length,
            refreshed,
          }
        } finally {
          await rig.close()
          await relay?.close()
        }
      }
      const free = await run(1_000)
      const throttled = await run(3)
      assert.equal(free.refreshed, 10)
      assert.equal(throttled.refreshed, 10)
      assert.equal(free.firstWindow, 10)
      assert.ok(
        throttled.firstWindow < free.firstWindow,
        `throttled: ${throttled.firstWindow} calls in the first 5 simulated minutes, unthrottled: ${free.firstWindow}`,
      )
      // One refused call, not a storm: the pause stops the rest of the batch.
      assert.ok(throttled.firstWindow <= 4, `throttled first window ${throttled.firstWindow}`)
    })
  })
}
