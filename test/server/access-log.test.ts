// The access line (src/server/plugins/access-log.ts) is put together by hand for the service's own
// logger and through pino for any other: both must give the same line, and neither may carry a
// secret of the URL.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import type { FastifyBaseLogger } from 'fastify'
import { pino } from 'pino'
import { accessLogger, writeAccessLine } from '../../src/server/plugins/access-log.js'
import { loggerOptions } from '../../src/server/logger.js'

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      callback()
    },
  })
  return { stream, lines }
}

/** The service's logger as Fastify builds it from `loggerOptions`: pino(options, stream). */
function serviceLogger(level: string, stream: Writable): FastifyBaseLogger {
  const { stream: _given, ...options } = loggerOptions(level, stream) as pino.LoggerOptions & {
    stream?: unknown
  }
  return pino(options, stream)
}

const LINE = {
  id: 'abc-1',
  method: 'GET',
  url: '/callback?code=SECRET-CODE&state=SECRET-STATE&x="quoted"\u2028',
  ip: '203.0.113.9',
  statusCode: 302,
  responseTime: 1.234567,
}

test('the hand-made access line is the line pino writes for the same fields', () => {
  const fast = capture()
  const slow = capture()
  const make = (stream: Writable) => serviceLogger('info', stream)
  const fastLogger = accessLogger(make(fast.stream), true)
  const slowLogger = accessLogger(make(slow.stream), false)
  assert.ok(fastLogger.raw !== undefined, 'the service’s own logger takes the hand-made path')
  assert.equal(slowLogger.raw, undefined)
  writeAccessLine(fastLogger, LINE)
  writeAccessLine(slowLogger, LINE)
  writeAccessLine(fastLogger, { ...LINE, ip: undefined })
  writeAccessLine(slowLogger, { ...LINE, ip: undefined })
  assert.equal(fast.lines.length, 2)
  assert.equal(slow.lines.length, 2)
  for (let i = 0; i < 2; i++) {
    const a = JSON.parse(fast.lines[i] ?? '') as Record<string, unknown>
    const b = JSON.parse(slow.lines[i] ?? '') as Record<string, unknown>
    assert.ok(Math.abs(Number(a['time']) - Number(b['time'])) < 1_000)
    delete a['time']
    delete b['time']
    assert.deepEqual(a, b)
    // Same keys in the same order, as a log reader sees them.
    assert.deepEqual(Object.keys(a), Object.keys(b))
  }
  const first = JSON.parse(fast.lines[0] ?? '') as { req: { url: string }; level: number }
  assert.equal(first.level, 30)
  assert.equal(first.req.url, '/callback?code=[redacted]&state=[redacted]&x="quoted"\u2028')
  for (const line of [...fast.lines, ...slow.lines]) {
    assert.ok(!line.includes('SECRET'), line)
  }
})

test('above info, no access line is written by either form', () => {
  const out = capture()
  const log = serviceLogger('warn', out.stream)
  writeAccessLine(accessLogger(log, true), LINE)
  writeAccessLine(accessLogger(log, false), LINE)
  assert.deepEqual(out.lines, [])
})
