// One side of the token-API benchmark, run as its own process so that autocannon's CPU is not
// counted against it: `bare` answers a fixed JSON body of the same size, `api` is the real route.
import Fastify from 'fastify'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../../src/server/app.js'
import {
  createApiKey,
  generateKey,
  migrateToLatest,
  openStore,
  parseKeyring,
  saveToken,
  upsertAccount,
} from '../../src/store/index.js'
import { offlineContext } from '../../test/helpers/broker-app.js'

const mode = process.argv[2] ?? 'api'
const accounts = Number(process.argv[3] ?? 10_000)
const DAY = 86_400_000

const sample = {
  access_token: `IGAA${'x'.repeat(180)}`,
  expires_at: new Date(Date.now() + 50 * DAY).toISOString(),
  account_id: 'acc_aaaaaaaaaaaaaaaaaaaaaa',
  user_id: '17841405793187218',
}

if (mode === 'bare') {
  const app = Fastify({ logger: false, keepAliveTimeout: 5_000 })
  const body = JSON.stringify(sample)
  app.get('/api/v1/accounts/:id/token', (_request, reply) =>
    reply.type('application/json').send(body),
  )
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  )
} else {
  const dir = mkdtempSync(join(tmpdir(), 'igtoken-bench-'))
  const store = await openStore(`sqlite:${join(dir, 'bench.db')}`)
  await migrateToLatest(store)
  const keyring = parseKeyring(generateKey('bench'))
  const now = Date.now()
  const ids: string[] = []
  await store.db.transaction().execute(async (trx) => {
    const tx = { db: trx, dialect: store.dialect }
    for (let i = 0; i < accounts; i++) {
      const { id } = await upsertAccount(tx, {
        flavor: 'instagram-login',
        metaUserId: String(17841400000000000n + BigInt(i)),
        igUserId: String(17841500000000000n + BigInt(i)),
        username: `user_${i}`,
        scopes: ['instagram_business_basic'],
        now,
      })
      await saveToken(tx, keyring, {
        accountId: id,
        kind: 'instagram_long_lived',
        accessToken: `IGAA${i.toString().padStart(180, 'x')}`,
        issuedAt: now - DAY,
        expiresAt: now + 50 * DAY,
        nextRefreshAt: now + 30 * DAY,
        expectedVersion: 'any',
        now,
      })
      ids.push(id)
    }
  })
  const { key } = await createApiKey(store, { name: 'bench', now })
  const ctx = offlineContext(store, keyring, Date.now, { refreshOnReadWithinMs: 7 * DAY })
  const cacheMs = Number(process.env['IGTOKEN_TOKEN_CACHE_SECONDS'] ?? '30') * 1000
  const app = await buildApp({
    ctx,
    demo: false,
    logLevel: 'silent',
    tokenCacheMs: cacheMs,
    rateLimitPerMinute: 1_000_000_000,
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, key, ids })}\n`,
  )
}

// A normal exit on SIGTERM/SIGINT, so that --cpu-prof can write its profile.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    process.exit(0)
  })
}
