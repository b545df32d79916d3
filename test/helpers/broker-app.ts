import { Writable } from 'node:stream'
import { createBrokerContext } from '../../src/broker/context.js'
import type { BrokerContext } from '../../src/broker/context.js'
import type { Keyring, Store } from '../../src/store/index.js'

/**
 * A broker context over a given store that never reaches Meta, for `buildApp` in tests and
 * benchmarks: built the one way every process builds it ({@link createBrokerContext}).
 */
export function offlineContext(
  store: Store,
  keyring: Keyring,
  now: () => number,
  options: { readonly refreshOnReadWithinMs?: number } = {},
): BrokerContext {
  return createBrokerContext(
    {
      flavor: 'instagram-login',
      scopes: undefined,
      publicUrl: 'http://127.0.0.1:8787',
      redirectUri: 'http://127.0.0.1:8787/callback',
      graphVersion: 'v25.0',
      connectStateTtlMs: 600_000,
      refreshOnReadWithinMs: options.refreshOnReadWithinMs ?? 0,
    },
    {
      store,
      keyring,
      appId: '1',
      appSecret: 'unused',
      // Nothing listens there: a bench or test that reached Meta would fail loudly.
      emulatorUrl: 'http://127.0.0.1:9',
      callbackSecrets: ['unused'],
      now,
    },
  )
}

/** A log stream that drops everything. */
export function discardLogs(): Writable {
  return new Writable({
    write: (_chunk, _encoding, callback) => {
      callback()
    },
  })
}
