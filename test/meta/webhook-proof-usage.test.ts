import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, test } from 'node:test'

import {
  answerWebhookChallenge,
  computeAppSecretProof,
  parseUsageHeaders,
  verifyWebhookSignature,
} from '../../src/index.js'

describe('answerWebhookChallenge', () => {
  test('refuses wrong mode, wrong or missing token, missing or repeated values', () => {
    const forbidden = { status: 403 }
    assert.deepEqual(
      answerWebhookChallenge('hub.mode=unsubscribe&hub.verify_token=vt&hub.challenge=1', 'vt'),
      forbidden,
    )
    assert.deepEqual(
      answerWebhookChallenge('hub.mode=subscribe&hub.verify_token=VT&hub.challenge=1', 'vt'),
      forbidden,
    )
    assert.deepEqual(answerWebhookChallenge('hub.mode=subscribe&hub.challenge=1', 'vt'), forbidden)
    assert.deepEqual(
      answerWebhookChallenge('hub.mode=subscribe&hub.verify_token=vt', 'vt'),
      forbidden,
    )
    assert.deepEqual(
      answerWebhookChallenge('hub.mode=subscribe&hub.verify_token=vt&hub.challenge=', 'vt'),
      forbidden,
    )
    assert.deepEqual(
      answerWebhookChallenge(
        { 'hub.mode': 'subscribe', 'hub.verify_token': ['vt', 'vt'], 'hub.challenge': '1' },
        'vt',
      ),
      forbidden,
    )
    assert.deepEqual(
      answerWebhookChallenge(
        {
          'hub.mode': 'subscribe',
          hub_mode: 'subscribe',
          'hub.verify_token': 'vt',
          'hub.challenge': '1',
        },
        'vt',
      ),
      forbidden,
    )
    assert.throws(() => answerWebhookChallenge('', ''), { code: 'ERR_INVALID_ARG_VALUE' })
  })

  test('answers the raw challenge for dotted, PHP-style, URL and object queries', () => {
    const ok = { status: 200, body: '1158201444' }
    assert.deepEqual(
      answerWebhookChallenge(
        'hub.mode=subscribe&hub.verify_token=vt&hub.challenge=1158201444',
        'vt',
      ),
      ok,
    )
    assert.deepEqual(
      answerWebhookChallenge(
        'https://x.example/hook?hub_mode=subscribe&hub_verify_token=vt&hub_challenge=1158201444',
        'vt',
      ),
      ok,
    )
    assert.deepEqual(
      answerWebhookChallenge(
        new URLSearchParams({
          'hub.mode': 'subscribe',
          'hub.verify_token': 'vt',
          'hub.challenge': '1158201444',
        }),
        'vt',
      ),
      ok,
    )
    assert.deepEqual(
      answerWebhookChallenge(
        { 'hub.mode': 'subscribe', 'hub.verify_token': 'vt', 'hub.challenge': '1158201444' },
        'vt',
      ),
      ok,
    )
  })
})

describe('verifyWebhookSignature', () => {
  const body = Buffer.from('{"object":"instagram","entry":[{"id":"17841405822304914","time":1}]}')
  const sig = (secret: string, data: Buffer | string = body): string =>
    `sha256=${createHmac('sha256', secret).update(data).digest('hex')}`

  test('rejects missing, malformed, wrong-secret and re-serialised bodies', () => {
    assert.equal(verifyWebhookSignature(body, undefined, 's'), false)
    assert.equal(verifyWebhookSignature(body, '', 's'), false)
    assert.equal(verifyWebhookSignature(body, 'sha1=abc', 's'), false)
    assert.equal(verifyWebhookSignature(body, 'sha256=zz', 's'), false)
    assert.equal(verifyWebhookSignature(body, sig('other'), 's'), false)
    const reserialised = JSON.stringify(JSON.parse(body.toString()), null, 1)
    assert.equal(verifyWebhookSignature(reserialised, sig('s'), 's'), false)
    assert.throws(() => verifyWebhookSignature(body, sig('s'), []), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
    assert.throws(() => verifyWebhookSignature({} as Buffer, sig('s'), 's'), {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  })

  test('accepts the raw body (Buffer or string), upper-case hex, and any of several secrets', () => {
    assert.equal(verifyWebhookSignature(body, sig('s'), 's'), true)
    assert.equal(verifyWebhookSignature(body.toString(), sig('s'), 's'), true)
    assert.equal(
      verifyWebhookSignature(
        body,
        sig('s')
          .replace(/[a-f]/g, (c) => c.toUpperCase())
          .replace('SHA256', 'sha256'),
        's',
      ),
      true,
    )
    assert.equal(
      verifyWebhookSignature(body, sig('instagram-secret'), ['meta-secret', 'instagram-secret']),
      true,
    )
  })
})

describe('computeAppSecretProof', () => {
  test('refuses a bad time and empty inputs', () => {
    assert.throws(() => computeAppSecretProof('t', 's', { time: 1.5 }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
    assert.throws(() => computeAppSecretProof('t', 's', { time: -1 }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
    assert.throws(() => computeAppSecretProof('', 's'), { code: 'ERR_INVALID_ARG_VALUE' })
    assert.throws(() => computeAppSecretProof('t', ''), { code: 'ERR_INVALID_ARG_VALUE' })
  })

  test('timed and untimed forms', () => {
    assert.deepEqual(computeAppSecretProof('EAAtoken', 'secret'), {
      appsecret_proof: createHmac('sha256', 'secret').update('EAAtoken').digest('hex'),
    })
    assert.deepEqual(computeAppSecretProof('EAAtoken', 'secret', { time: 1700000000 }), {
      appsecret_proof: createHmac('sha256', 'secret').update('EAAtoken|1700000000').digest('hex'),
      appsecret_time: '1700000000',
    })
  })
})

describe('parseUsageHeaders', () => {
  test('absent or malformed headers give null', () => {
    assert.equal(parseUsageHeaders(new Headers()), null)
    assert.equal(parseUsageHeaders(new Headers({ 'x-app-usage': '{oops' })), null)
    assert.equal(parseUsageHeaders({ 'X-Business-Use-Case-Usage': '[]' }), null)
  })

  test('BUC regain time is in minutes; max percentage over every entry', () => {
    const reading = parseUsageHeaders({
      'X-App-Usage': '{"call_count":28,"total_time":25,"total_cputime":25}',
      'X-Business-Use-Case-Usage': JSON.stringify({
        '17841405822304914': [
          {
            type: 'instagram',
            call_count: 100,
            total_cputime: 25,
            total_time: 25,
            estimated_time_to_regain_access: 19,
          },
        ],
        '134895793791914': [
          {
            type: 'pages',
            call_count: '40',
            total_cputime: 2,
            total_time: 3,
            estimated_time_to_regain_access: 0,
          },
        ],
      }),
    })
    assert.ok(reading)
    assert.equal(reading.maxPercent, 100)
    assert.equal(reading.suggestedWaitMs, 19 * 60_000)
    assert.deepEqual(
      reading.entries.map((e) => [e.source, e.businessId, e.type, e.callCount, e.regainAccessMs]),
      [
        ['app', null, 'app', 28, 0],
        ['business-use-case', '17841405822304914', 'instagram', 100, 19 * 60_000],
        ['business-use-case', '134895793791914', 'pages', 40, 0],
      ],
    )
  })

  test('without a regain estimate the wait follows the percentage', () => {
    assert.equal(
      parseUsageHeaders({ 'x-app-usage': '{"call_count":100}' })?.suggestedWaitMs,
      300_000,
    )
    assert.equal(parseUsageHeaders({ 'x-app-usage': '{"call_count":90}' })?.suggestedWaitMs, 60_000)
    assert.equal(parseUsageHeaders({ 'x-app-usage': '{"call_count":89}' })?.suggestedWaitMs, 0)
  })
})
