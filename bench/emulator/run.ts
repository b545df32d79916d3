// Emulator throughput against a bare Fastify route answering a body of the same size, both
// measured in this run on 127.0.0.1 with autocannon (10 connections). Rounds alternate between
// the two so that background load hits both alike; the best round of each is reported.
import autocannon from 'autocannon'
import Fastify, { type FastifyInstance } from 'fastify'
import { DEMO_APP, startEmulator } from '../../src/emulator/index.js'

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3)
const CONNECTIONS = 10
const FORM = 'application/x-www-form-urlencoded'

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
}

/** A bare Fastify answering `body` on GET and POST /bare, with the same form parser. */
async function bareServer(body: string): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(FORM, { parseAs: 'string' }, (_r, b, done) => {
    done(null, b)
  })
  app.route({
    method: ['GET', 'POST'],
    url: '/bare',
    handler: (_req, reply) => reply.type('application/json; charset=UTF-8').send(body),
  })
  return { url: `${await listen(app)}/bare`, close: () => app.close() }
}

async function rps(opts: autocannon.Options): Promise<{ rps: number; non2xx: number }> {
  const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts })
  return { rps: r.requests.average, non2xx: r.non2xx }
}

const emu = await startEmulator({ port: 0, config: { limits: { appCalls: 1e9, userCalls: 1e9 } } })
const userId = '17841405793187218'
const redirect = DEMO_APP.redirectUris[0]!

// GET /me with a long-lived token.
const { access_token: token } = await emu.control.mintToken({
  appId: DEMO_APP.instagramAppId,
  userId,
  kind: 'long',
})
const meUrl = `${emu.url}/graph.instagram.com/v25.0/me?fields=user_id,username,account_type,media_count&access_token=${token}`
const meBare = await bareServer(await (await fetch(meUrl)).text())

// Code exchanges: codes are minted beforehand through the control API, so only the exchange is
// measured. Bodies are pre-built; both sides get the same per-request body generation.
const { codes } = await emu.control.mintCodes({
  appId: DEMO_APP.instagramAppId,
  userId,
  count: Math.min(200_000, SECONDS * ROUNDS * 20_000),
})
const bodies = codes.map(
  (code) =>
    `client_id=${DEMO_APP.instagramAppId}&client_secret=${DEMO_APP.instagramAppSecret}&grant_type=authorization_code&redirect_uri=${encodeURIComponent(redirect)}&code=${code}`,
)
let next = 0
const sample = await fetch(`${emu.url}/api.instagram.com/oauth/access_token`, {
  method: 'POST',
  headers: { 'content-type': FORM },
  body: bodies[next++]!,
})
const exBare = await bareServer(await sample.text())
let bareNext = 0
const exchange = (url: string, bare: boolean): autocannon.Options => ({
  url,
  method: 'POST',
  headers: { 'content-type': FORM },
  requests: [
    {
      setupRequest: (req) => ({
        ...req,
        body: bodies[bare ? bareNext++ % bodies.length : next++ % bodies.length]!,
      }),
    },
  ],
})

const best = { me: 0, meBare: 0, ex: 0, exBare: 0 }
let failures = 0
for (let round = 0; round < ROUNDS; round++) {
  const a = await rps({ url: meUrl })
  const b = await rps({ url: meBare.url })
  const c = await rps(exchange(`${emu.url}/api.instagram.com/oauth/access_token`, false))
  const d = await rps(exchange(exBare.url, true))
  failures += a.non2xx + c.non2xx
  best.me = Math.max(best.me, a.rps)
  best.meBare = Math.max(best.meBare, b.rps)
  best.ex = Math.max(best.ex, c.rps)
  best.exBare = Math.max(best.exBare, d.rps)
}
await Promise.all([emu.close(), meBare.close(), exBare.close()])

const row = (name: string, value: number, base: number): string =>
  `| ${name} | ${Math.round(value)} | ${Math.round(base)} | ${((value / base) * 100).toFixed(0)}% |`
console.log(
  `node ${process.version}, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s, best round, 127.0.0.1`,
)
console.log('| endpoint | emulator req/s | bare Fastify req/s (same-size body) | ratio |')
console.log('|---|---|---|---|')
console.log(row('GET graph.instagram.com/v25.0/me', best.me, best.meBare))
console.log(row('POST api.instagram.com/oauth/access_token (code → token)', best.ex, best.exBare))
if (failures > 0 || next > bodies.length) {
  console.log(
    `warning: ${failures} non-2xx emulator replies, ${next} of ${bodies.length} codes used`,
  )
}
