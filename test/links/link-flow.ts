import assert from 'node:assert/strict'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { answerConsent } from '../helpers/consent.js'

/** The business account the emulator's consent page offers first. */
export const BUSINESS_USER = '17841405793187218'

/** Calls the API with a bearer key. */
export async function api(
  url: string,
  key: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${key}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
  const text = await res.text()
  return {
    status: res.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  }
}

/**
 * Presses the link page's button as a browser without JavaScript would (the form posts back to
 * the page's own address), then answers Meta's consent: returns the callback URL and the cookie.
 */
export async function useLinkUntilCallback(
  linkUrl: string,
  userId = BUSINESS_USER,
): Promise<{ callbackUrl: string; cookie: string }> {
  const start = await fetch(linkUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
    redirect: 'manual',
  })
  const location = start.headers.get('location')
  assert.equal(start.status, 303, await start.text())
  assert.ok(location !== null)
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const callbackUrl = await answerConsent(location, 'allow', { userId })
  return { callbackUrl: callbackUrl.replace(/#.*$/, ''), cookie }
}

/** One delivery as a 127.0.0.1 receiver got it. */
export interface Delivery {
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** A webhook receiver on 127.0.0.1 that keeps every raw delivery. */
export async function startRawReceiver(): Promise<{
  url: string
  received: Delivery[]
  close(): Promise<void>
}> {
  const received: Delivery[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** Checks `t=<s>,v1=<hex>` with node:crypto directly, not with the service's own verifier. */
export function signatureValid(secret: string, delivery: Delivery): boolean {
  const header = String(delivery.headers['x-igtoken-signature'] ?? '')
  const t = /(?:^|,)t=(\d+)/.exec(header)?.[1]
  const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(header)?.[1]
  if (t === undefined || v1 === undefined) return false
  const expected = createHmac('sha256', secret).update(`${t}.${delivery.body}`).digest()
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'))
}

/** Waits (bounded) until `check` holds. */
export async function eventually(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 100))
  }
}
