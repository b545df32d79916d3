// Each situation of the corpus replayed on the emulator (same endpoint, same mistake), compared
// with the body Meta really sent: status, shape, field types, code, subcode, type and message.
// Differences that are deliberate are named per entry in emulator-replays.ts and listed, with
// the reason, in docs/emulator.md; an entry the emulator cannot replay is listed there too.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { DEMO_APP, startEmulator } from '../../src/emulator/index.js'
import { CORPUS, entry, wireBody } from './corpus.js'
import { NOT_REPLAYED, REPLAYS } from './emulator-replays.js'
import type { Answer, Difference } from './emulator-replays.js'

// Dates, ids and masks differ in every answer; the words around them must not.
function normalise(message: string): string {
  return message
    .replace(/\w+day, \d{2}-\w{3}-\d{2} \d{2}:\d{2}:\d{2} P[SD]T/g, '<time>')
    .replace(/\b\d{6,}\b|\bxxx\b/g, '<id>')
}

function kind(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value
}

/** Compares one object level and below: keys, types, and the error fields' values. */
function compareObject(
  real: Record<string, unknown>,
  emulated: Record<string, unknown>,
  differs: readonly Difference[],
  path: string,
): void {
  const ignored = new Set(['fbtrace_id', ...(differs.includes('subcode') ? ['error_subcode'] : [])])
  const realKeys = Object.keys(real).filter((k) => !ignored.has(k))
  const emuKeys = Object.keys(emulated).filter((k) => !ignored.has(k))
  for (const k of realKeys) assert.ok(k in emulated, `${path}${k} is missing`)
  if (!differs.includes('extra-keys')) {
    assert.deepEqual(emuKeys.sort(), realKeys.sort(), `${path} keys`)
  }
  for (const k of realKeys) {
    if (!differs.includes(`type:${k}`)) {
      assert.equal(kind(emulated[k]), kind(real[k]), `${path}${k} type`)
    }
    const [r, e] = [real[k], emulated[k]]
    if (kind(r) === 'object' && kind(e) === 'object') {
      compareObject(
        r as Record<string, unknown>,
        e as Record<string, unknown>,
        differs,
        `${path}${k}.`,
      )
    }
  }
}

function compare(id: string, emulated: Answer, differs: readonly Difference[]): void {
  const real = entry(id)
  if (real.status !== null && !differs.includes('status')) {
    assert.equal(emulated.status, real.status, 'status')
  }
  if (!differs.includes('headers')) {
    for (const name of Object.keys(real.headers ?? {})) {
      if (/^(www-authenticate|x-)/i.test(name)) assert.ok(emulated.headers.has(name), name)
    }
  }
  const realBody = JSON.parse(wireBody(real)) as Record<string, unknown>
  const emuBody = JSON.parse(emulated.text) as Record<string, unknown>
  compareObject(realBody, emuBody, differs, '')
  const inner = (b: Record<string, unknown>) =>
    (typeof b['error'] === 'object' ? b['error'] : b) as Record<string, unknown>
  const [r, e] = [inner(realBody), inner(emuBody)]
  for (const field of ['code', 'type', 'error_type', 'status']) {
    if (field in r) assert.equal(e[field], r[field], field)
  }
  if ('error_subcode' in r && !differs.includes('subcode')) {
    assert.equal(e['error_subcode'], r['error_subcode'], 'error_subcode')
  }
  for (const field of ['message', 'error_message']) {
    if (typeof r[field] === 'string' && !differs.includes('message')) {
      assert.equal(normalise(String(e[field])), normalise(r[field]), field)
    }
  }
}

test('every corpus entry is either replayed or listed as not replayable', () => {
  const covered = [...Object.keys(REPLAYS), ...NOT_REPLAYED].sort()
  assert.deepEqual(covered, CORPUS.map((e) => e.id).sort())
})

test('docs/emulator.md lists every entry answered differently, with its reason', () => {
  const docs = readFileSync(new URL('../../docs/emulator.md', import.meta.url), 'utf8')
  const start = docs.indexOf('### Corpus entries answered differently')
  assert.ok(start !== -1, 'section missing')
  const section = docs.slice(
    start,
    docs.indexOf('\n## ', start) === -1 ? undefined : docs.indexOf('\n## ', start),
  )
  const listed = [...section.matchAll(/\*\*(R\d+)\*\*/g)].map((m) => m[1])
  const different = [
    ...NOT_REPLAYED,
    ...Object.entries(REPLAYS)
      .filter(([, r]) => (r.differs ?? []).length > 0)
      .map(([id]) => id),
  ]
  assert.deepEqual([...new Set(listed)].sort(), different.sort())
})

describe('the emulator answers each corpus situation as Meta did', () => {
  for (const [id, replay] of Object.entries(REPLAYS)) {
    test(`${id}: ${entry(id).situation.slice(0, 80)}`, async () => {
      const emu = await startEmulator({
        port: 0,
        apps: [{ ...DEMO_APP, ...replay.app }],
        ...(replay.config ? { config: replay.config } : {}),
      })
      try {
        compare(id, await replay.run(emu), replay.differs ?? [])
      } finally {
        await emu.close()
      }
    })
  }
})
