// The service on a seeded store, for bench/million: `buildApp` as `igtoken serve` builds it
// (logger at info into a discarding stream, metrics, helmet), in demo mode so the home page lists
// accounts, with the token cache off (every read hits the database) and the rate limit out of the
// way. Prints its port, an API key and a dashboard session cookie on the first line.
//
//   node --import tsx bench/million/server.ts <store-url> <encryption-keys>
import { Writable } from 'node:stream'
import { buildApp } from '../../src/server/app.js'
import { createMetrics } from '../../src/server/plugins/metrics.js'
import {
  createApiKey,
  createDashboardSession,
  openStore,
  parseKeyring,
} from '../../src/store/index.js'
import { offlineContext } from '../../test/helpers/broker-app.js'

const [url, keys] = process.argv.slice(2)
if (url === undefined || keys === undefined) throw new Error('usage: server.ts <url> <keys>')
const store = await openStore(url)
const keyring = parseKeyring(keys)
const now = Date.now()
const { key } = await createApiKey(store, { name: 'bench', now })
const session = await createDashboardSession(store, { ttlMs: 3_600_000, now })
const ctx = offlineContext(store, keyring, Date.now)
const app = await buildApp({
  ctx,
  demo: true,
  logLevel: 'info',
  logStream: new Writable({
    write: (_chunk, _encoding, callback) => {
      callback()
    },
  }),
  tokenCacheMs: 0,
  rateLimitPerMinute: 1_000_000_000,
  metrics: createMetrics({ collectDefault: true }),
})
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.stdout.write(
  `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, key, session: session.token })}\n`,
)
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    process.exit(0)
  })
}
