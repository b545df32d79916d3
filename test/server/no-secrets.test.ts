import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { encodeSignedRequest } from '../../src/meta/index.js'
import { answerConsent } from '../helpers/consent.js'
import { connectThroughBrowserless, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

const DAY = 86_400_000
let svc: TestService
const secrets = new Set<string>([DEMO_APP.instagramAppSecret, DEMO_APP.metaAppSecret])

before(async () => {
  svc = await startTestService({ IGTOKEN_LOG_LEVEL: 'trace' })
  const key = await svc.apiKey()
  secrets.add(key)
  const auth = { authorization: `Bearer ${key}` }

  // A full flow, failures included: connect, cancel, replay, Meta down, reads, refresh, callbacks.
  const ok = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'allow'))
  assert.equal(ok.response.status, 200)
  const callback = new URL(ok.callbackUrl)
  secrets.add(callback.searchParams.get('code') ?? '')
  secrets.add(callback.searchParams.get('state') ?? '')
  secrets.add(ok.cookie.split('=')[1] ?? '')
  const replay = await fetch(ok.callbackUrl, { headers: { cookie: ok.cookie } })
  assert.equal(replay.status, 400)
  const cancelled = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'cancel'))
  assert.equal(cancelled.response.status, 400)
  await svc.control.setFaults({
    rules: [{ match: { endpoint: 'ig.oauth_access_token' }, errorRate: 1 }],
  })
  const failed = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'allow'))
  secrets.add(new URL(failed.callbackUrl).searchParams.get('code') ?? '')
  assert.equal(failed.response.status, 502)
  await svc.control.clearFaults()

  const list = (await (await fetch(`${svc.url}/api/v1/accounts`, { headers: auth })).json()) as {
    data: { id: string }[]
  }
  const id = list.data[0]?.id ?? ''
  const token = (await (
    await fetch(`${svc.url}/api/v1/accounts/${id}/token`, { headers: auth })
  ).json()) as {
    access_token: string
  }
  secrets.add(token.access_token)
  await svc.advance(2 * DAY)
  const refreshed = await fetch(`${svc.url}/api/v1/accounts/${id}/refresh`, {
    method: 'POST',
    headers: auth,
  })
  assert.equal(refreshed.status, 200)
  const fresh = (await (
    await fetch(`${svc.url}/api/v1/accounts/${id}/token`, { headers: auth })
  ).json()) as {
    access_token: string
  }
  secrets.add(fresh.access_token)
  assert.notEqual(fresh.access_token, token.access_token)

  const forged = encodeSignedRequest(
    { algorithm: 'HMAC-SHA256', issued_at: Math.floor(Date.now() / 1000), user_id: '1' },
    'wrong-secret',
  )
  secrets.add(forged)
  await fetch(`${svc.url}/meta/deauthorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `signed_request=${forged}`,
  })
  await fetch(`${svc.url}/api/v1/accounts`, {
    headers: { authorization: 'Bearer igt_wrongwrongwrong' },
  })
  await svc.control.deleteData({ userId: '17841405793187218', appId: DEMO_APP.instagramAppId })
  await sendMalformedRequests(key)
  secrets.delete('')
})

/** A fresh secret-looking value, remembered for the log scan. */
function secret(prefix: string): string {
  const value = `${prefix}${randomBytes(12).toString('hex')}`
  secrets.add(value)
  return value
}

/**
 * Requests Node cannot parse, over a raw socket, each carrying a Bearer key, a cookie, `code`
 * and `state`: Node's parse error holds these bytes (`rawPacket`), which must never be logged.
 */
async function sendMalformedRequests(apiKey: string): Promise<void> {
  const { port } = new URL(svc.url)
  const carry = (path: string) =>
    `${path}?code=${secret('code')}&state=${secret('state')} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    `Authorization: Bearer ${apiKey}\r\nX-Other-Key: Bearer ${secret('igt_')}\r\n` +
    `Cookie: igtoken_connect=${secret('cookie')}; igtoken_session=${secret('session')}\r\n`
  const requests = [
    `GET ${carry('/api/v1/accounts')}Bad Header Line\r\n\r\n`,
    `GET ${carry('/callback')}Content-Length: nope\r\n\r\n`,
    `G\u0001T ${carry('/callback')}\r\n`,
    `POST ${carry('/meta/deauthorize')}Transfer-Encoding: chunked\r\n\r\nzz\r\n${secret('body')}\r\n`,
  ]
  for (const request of requests) {
    const answer = await rawExchange(Number(port), request)
    assert.match(
      answer,
      /^HTTP\/1\.1 4\d\d /,
      `a malformed request is answered: ${answer.slice(0, 40)}`,
    )
  }
}

/** Writes bytes to 127.0.0.1:port and returns what comes back before the server closes (≤ 5 s). */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('the server did not close a malformed request within 5 s'))
    }, 5_000)
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('latin1'))
    })
    socket.write(bytes)
  })
}
after(async () => {
  await svc.close()
})

test('no log line of a full flow, failures included, holds a token, secret, code, state, cookie or API key', () => {
  assert.ok(svc.logs.length > 20, `a trace-level flow logs plenty (${svc.logs.length} lines)`)
  for (const line of svc.logs) {
    for (const secret of secrets) {
      assert.ok(!line.includes(secret), `a log line leaks a secret: ${line.slice(0, 200)}`)
    }
  }
  assert.ok(svc.logs.some((l) => l.includes('/callback?') && l.includes('[redacted]')))
})

test('malformed requests at trace level: answered, logged without their raw bytes', () => {
  // The raw log text, not parsed JSON: a secret must not appear in any encoding of a line.
  const raw = Buffer.from(svc.logs.join('\n'), 'utf8')
  for (const value of secrets) assert.equal(raw.indexOf(value), -1, `the logs leak ${value}`)
  assert.ok(!raw.includes('rawPacket'), 'no raw packet is ever logged')
  const refused = svc.logs.filter((l) => l.includes('malformed request refused'))
  assert.ok(refused.length >= 4, `each malformed request is logged (${refused.length})`)
})

test('the SQLite file and its WAL hold no token or API key in clear', () => {
  const files = readdirSync(svc.dataDir).filter((f) => f.startsWith('igtoken.db'))
  assert.ok(files.includes('igtoken.db'))
  assert.ok(files.includes('igtoken.db-wal'), 'the WAL is read too')
  for (const file of files) {
    const bytes = readFileSync(join(svc.dataDir, file))
    for (const secret of secrets) {
      assert.equal(bytes.indexOf(Buffer.from(secret)), -1, `${file} holds a secret in clear`)
    }
  }
})
