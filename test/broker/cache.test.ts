import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ExpiringCache, SingleFlight } from '../../src/broker/cache/index.js'

/** A promise the test settles by hand, to hold a load open while others join it. */
function deferred<T>(): {
  promise: Promise<T>
  resolve: (v: T) => void
  reject: (e: Error) => void
} {
  let resolve!: (v: T) => void
  let reject!: (e: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function clock(start = 1_000_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

describe('ExpiringCache', () => {
  test('bad options are refused with a clear TypeError', () => {
    const now = () => 0
    for (const [options, message] of [
      [{ maxEntries: 0, ttlMs: 1, now }, /maxEntries/],
      [{ maxEntries: -1, ttlMs: 1, now }, /maxEntries/],
      [{ maxEntries: 1.5, ttlMs: 1, now }, /maxEntries/],
      [{ maxEntries: Number.NaN, ttlMs: 1, now }, /maxEntries/],
      [{ maxEntries: 1, ttlMs: -1, now }, /ttlMs/],
      [{ maxEntries: 1, ttlMs: 0.5, now }, /ttlMs/],
      [{ maxEntries: 1, ttlMs: Infinity, now }, /ttlMs/],
      [{ maxEntries: 1, ttlMs: 1, now: 'soon' }, /now/],
    ] as const) {
      assert.throws(
        () => new ExpiringCache(options as never),
        (e: unknown) => e instanceof TypeError && message.test(e.message),
        JSON.stringify(options),
      )
    }
    const cache = new ExpiringCache<string, number>({ maxEntries: 1, ttlMs: 1, now })
    assert.throws(() => {
      cache.set('a', 1, Number.NaN)
    }, TypeError)
    assert.equal(cache.size, 0)
  })

  test('an entry is served until its lifetime ends, then dropped', () => {
    const c = clock()
    const cache = new ExpiringCache<string, string>({ maxEntries: 10, ttlMs: 100, now: c.now })
    cache.set('a', 'A')
    cache.set('b', 'B', 300)
    c.advance(99)
    assert.equal(cache.get('a'), 'A')
    c.advance(1)
    assert.equal(cache.get('a'), undefined, 'expired at exactly ttlMs')
    assert.equal(cache.size, 1, 'the expired entry is dropped when read')
    assert.equal(cache.get('b'), 'B', 'a per-entry lifetime')
    cache.set('b', 'gone', 0)
    assert.equal(cache.get('b'), undefined, 'a lifetime of 0 drops the key')
    assert.equal(cache.size, 0)
  })

  test('ttlMs 0 turns the cache off: nothing is stored, loads still run', async () => {
    const cache = new ExpiringCache<string, number>({ maxEntries: 10, ttlMs: 0, now: () => 0 })
    let loads = 0
    assert.equal(await cache.load('a', () => Promise.resolve(++loads)), 1)
    assert.equal(await cache.load('a', () => Promise.resolve(++loads)), 2)
    assert.equal(cache.size, 0)
  })

  test('keepExpired: peek still returns the last value, get does not', () => {
    const c = clock()
    const cache = new ExpiringCache<string, string>({
      maxEntries: 10,
      ttlMs: 10,
      now: c.now,
      keepExpired: true,
    })
    cache.set('feed', 'last good copy')
    c.advance(10)
    assert.equal(cache.get('feed'), undefined)
    assert.equal(cache.peek('feed'), 'last good copy')
    assert.equal(cache.size, 1)
  })

  test('bounded: storing one more evicts the least recently stored', () => {
    const cache = new ExpiringCache<number, number>({ maxEntries: 3, ttlMs: 1_000, now: () => 0 })
    for (const n of [1, 2, 3]) cache.set(n, n * 10)
    cache.set(1, 11) // stored again: now the most recent
    cache.set(4, 40)
    assert.equal(cache.size, 3)
    assert.equal(cache.get(2), undefined, 'the least recently stored went first')
    assert.deepEqual(
      [1, 3, 4].map((n) => cache.get(n)),
      [11, 30, 40],
    )
    for (let n = 100; n < 200; n++) cache.set(n, n)
    assert.equal(cache.size, 3, 'never more than maxEntries')
  })

  test('delete, deleteWhere and clear', () => {
    const cache = new ExpiringCache<string, { account: string }>({
      maxEntries: 10,
      ttlMs: 1_000,
      now: () => 0,
    })
    cache.set('f1', { account: 'a' })
    cache.set('f2', { account: 'b' })
    cache.set('f3', { account: 'a' })
    assert.equal(
      cache.deleteWhere((v) => v.account === 'a'),
      2,
    )
    assert.deepEqual([cache.get('f1'), cache.get('f3')], [undefined, undefined])
    assert.deepEqual(cache.get('f2'), { account: 'b' })
    assert.equal(cache.delete('f2'), true)
    assert.equal(cache.delete('f2'), false)
    cache.set('f4', { account: 'c' })
    cache.clear()
    assert.equal(cache.size, 0)
  })

  test('single flight: concurrent loads of one key run the loader once', async () => {
    const cache = new ExpiringCache<string, string>({ maxEntries: 10, ttlMs: 1_000, now: () => 0 })
    const gate = deferred<string>()
    let calls = 0
    const loader = () => {
      calls++
      return gate.promise
    }
    const waiting = [cache.load('k', loader), cache.load('k', loader), cache.load('k', loader)]
    const other = cache.load('other', () => Promise.resolve('O'))
    gate.resolve('V')
    assert.deepEqual(await Promise.all(waiting), ['V', 'V', 'V'])
    assert.equal(await other, 'O')
    assert.equal(calls, 1)
    assert.equal(await cache.load('k', loader), 'V', 'then served from the cache')
    assert.equal(calls, 1)
  })

  test('a failed load is thrown to every waiter, stores nothing, and the next call retries', async () => {
    const cache = new ExpiringCache<string, string>({ maxEntries: 10, ttlMs: 1_000, now: () => 0 })
    const gate = deferred<string>()
    const a = cache.load('k', () => gate.promise)
    const b = cache.load('k', () => Promise.resolve('never'))
    gate.reject(new Error('database down'))
    await assert.rejects(a, /database down/)
    await assert.rejects(b, /database down/)
    assert.equal(cache.size, 0)
    assert.equal(await cache.load('k', () => Promise.resolve('again')), 'again')
  })

  test('undefined from a loader is returned, not stored', async () => {
    const cache = new ExpiringCache<string, string>({ maxEntries: 10, ttlMs: 1_000, now: () => 0 })
    let calls = 0
    for (let i = 0; i < 2; i++) {
      assert.equal(
        await cache.load('unknown-key', () => {
          calls++
          return Promise.resolve(undefined)
        }),
        undefined,
      )
    }
    assert.equal(calls, 2)
    assert.equal(cache.size, 0)
  })

  test('an invalidation during a load: the old value is not stored and later callers load afresh', async () => {
    for (const invalidate of [
      (cache: ExpiringCache<string, string>) => {
        cache.delete('key-1')
      },
      (cache: ExpiringCache<string, string>) => {
        cache.deleteWhere((v) => v === 'nothing matches')
      },
      (cache: ExpiringCache<string, string>) => {
        cache.clear()
      },
    ]) {
      const cache = new ExpiringCache<string, string>({
        maxEntries: 10,
        ttlMs: 1_000,
        now: () => 0,
      })
      const before = deferred<string>()
      const early = cache.load('key-1', () => before.promise)
      invalidate(cache)
      // Someone asking after the change does not join the load that began before it.
      const late = cache.load('key-1', () => Promise.resolve('after the change'))
      before.resolve('before the change')
      assert.equal(await early, 'before the change')
      assert.equal(await late, 'after the change')
      assert.equal(cache.get('key-1'), 'after the change')
    }
  })

  test('a per-value lifetime from the loader', async () => {
    const c = clock()
    const cache = new ExpiringCache<string, { recheckAt: number }>({
      maxEntries: 10,
      ttlMs: 1_000,
      now: c.now,
    })
    await cache.load(
      'f',
      () => Promise.resolve({ recheckAt: c.now() + 50 }),
      (v) => v.recheckAt - c.now(),
    )
    c.advance(49)
    assert.ok(cache.get('f'))
    c.advance(1)
    assert.equal(cache.get('f'), undefined)
  })
})

describe('SingleFlight', () => {
  test('joins running work per key, then forgets it', async () => {
    const flights = new SingleFlight<string, number>()
    const gate = deferred<number>()
    let calls = 0
    const work = () => {
      calls++
      return gate.promise
    }
    const a = flights.run('x', work)
    const b = flights.run('x', work)
    assert.equal(a, b)
    assert.equal(flights.size, 1)
    gate.resolve(7)
    assert.deepEqual(await Promise.all([a, b]), [7, 7])
    assert.equal(flights.has('x'), false)
    assert.equal(calls, 1)
  })

  test('a synchronous throw becomes a rejection, and the key is free again', async () => {
    const flights = new SingleFlight<string, number>()
    await assert.rejects(
      flights.run('x', () => {
        throw new Error('bad input')
      }),
      /bad input/,
    )
    assert.equal(flights.size, 0)
    assert.equal(await flights.run('x', () => Promise.resolve(1)), 1)
  })

  test('forget: later callers start afresh; a settling old flight does not remove the new one', async () => {
    const flights = new SingleFlight<string, string>()
    const old = deferred<string>()
    const first = flights.run('x', () => old.promise)
    assert.equal(flights.forget('x'), true)
    const fresh = deferred<string>()
    const second = flights.run('x', () => fresh.promise)
    assert.notEqual(first, second)
    old.resolve('old')
    await first
    assert.equal(flights.has('x'), true, 'the new flight is still registered')
    assert.equal(
      flights.run('x', () => Promise.resolve('third')),
      second,
    )
    fresh.resolve('new')
    assert.equal(await second, 'new')
  })
})
