// The baseline of bench/token-api-defaults: a bare Fastify route answering a JSON body of the
// given length. Prints its port.
import Fastify from 'fastify'

const length = Number(process.argv[2] ?? 200)
const body = JSON.stringify({ access_token: 'x'.repeat(Math.max(0, length - 20)) })
const app = Fastify({ logger: false, keepAliveTimeout: 5_000 })
app.get('/api/v1/accounts/:id/token', (_request, reply) =>
  reply.type('application/json; charset=utf-8').send(body),
)
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`)
process.once('SIGTERM', () => {
  process.exit(0)
})
