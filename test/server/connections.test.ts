import assert from 'node:assert/strict'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/server/app.js'
import { CONNECTION_DEFAULTS } from '../../src/server/plugins/connections.js'
import { T0, TEST_DIALECTS } from '../store/dialects.js'
import type { TestDatabase } from '../store/dialects.js'
import { keyringK1 } from '../store/fixtures.js'
import { discardLogs, offlineContext } from '../helpers/broker-app.js'

const sqlite = TEST_DIALECTS[0]
const IDLE_MS = 400

/** Opens a raw loopback socket; resolves once connected. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      resolve(socket)
    })
    socket.on('error', reject)
  })
}

/** Milliseconds until the server closes the socket, or `undefined` after `limitMs`. */
function closedWithin(socket: Socket, limitMs: number): Promise<number | undefined> {
  const started = Date.now()
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve(undefined)
    }, limitMs)
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Date.now() - started)
    })
  })
}

describe('idle connections are closed and the connection count is capped', () => {
  let t: TestDatabase
  let app: FastifyInstance
  let port: number
  const sockets: Socket[] = []

  before(async () => {
    assert.ok(sqlite)
    t = await sqlite.setup()
    app = await buildApp({
      ctx: offlineContext(t.store, keyringK1(), () => T0),
      demo: false,
      logStream: discardLogs(),
      // Test-shortened: the defaults are seconds, not milliseconds.
      connections: { idleTimeoutMs: IDLE_MS, maxConnections: 3 },
    })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const address = app.server.address()
    assert.ok(address !== null && typeof address === 'object')
    port = address.port
  })
  after(async () => {
    for (const socket of sockets) socket.destroy()
    await app.close()
    await t.cleanup()
  })

  test('the defaults are set and keep-alive stays above 1 s', () => {
    assert.ok(CONNECTION_DEFAULTS.keepAliveTimeoutMs > 1_000)
    assert.ok(CONNECTION_DEFAULTS.idleTimeoutMs > 0 && CONNECTION_DEFAULTS.requestTimeoutMs > 0)
    assert.equal(app.server.maxConnections, 3)
    assert.equal(app.server.keepAliveTimeout, CONNECTION_DEFAULTS.keepAliveTimeoutMs)
    assert.equal(app.server.requestTimeout, CONNECTION_DEFAULTS.requestTimeoutMs)
    assert.equal(app.server.timeout, IDLE_MS)
  })

  test('an idle raw socket is closed by the server within the idle timeout', async () => {
    const socket = await open(port)
    sockets.push(socket)
    const closedAfter = await closedWithin(socket, IDLE_MS * 10)
    assert.ok(closedAfter !== undefined, `still open after ${IDLE_MS * 10} ms`)
    assert.ok(closedAfter >= IDLE_MS - 50, `closed after ${closedAfter} ms, not before the timeout`)
  })

  test('a half-sent request is closed too', async () => {
    const socket = await open(port)
    sockets.push(socket)
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    assert.ok((await closedWithin(socket, IDLE_MS * 10)) !== undefined)
  })

  test('connections past the cap are refused at once', async () => {
    const held = await Promise.all([open(port), open(port), open(port)])
    sockets.push(...held)
    // Keep the three slots busy without finishing a request.
    for (const socket of held) socket.write('GET /healthz HTTP/1.1\r\n')
    const extra = await open(port)
    sockets.push(extra)
    const closedAfter = await closedWithin(extra, IDLE_MS / 2)
    assert.ok(closedAfter !== undefined, 'the fourth connection is closed before any timeout')
    // Checked a second way: the server counts three connections, not four.
    const count = await new Promise<number>((resolve, reject) => {
      app.server.getConnections((error, n) => {
        if (error === null) resolve(n)
        else reject(error)
      })
    })
    assert.ok(count <= 3, `${count} connections open`)
  })
})
