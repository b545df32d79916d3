import { Writable } from 'node:stream'
import { ChangeHub } from '../../src/broker/effects/change-hub.js'
import type { BrokerContext } from '../../src/broker/context.js'
import { createMetaClient } from '../../src/meta/index.js'
import type { Keyring, Store } from '../../src/store/index.js'

/** A broker context over a given store, for `buildApp` in tests that need no Meta. */
export function offlineContext(store: Store, keyring: Keyring, now: () => number): BrokerContext {
  return {
    store,
    keyring,
    meta: createMetaClient({
      flavor: 'instagram-login',
      appId: '1',
      appSecret: 'unused',
      redirectUri: 'http://127.0.0.1/callback',
    }),
    flavor: 'instagram-login',
    scopes: undefined,
    publicUrl: 'http://127.0.0.1:8787',
    redirectUri: 'http://127.0.0.1:8787/callback',
    connectStateTtlMs: 600_000,
    callbackSecrets: ['unused'],
    refreshOnReadWithinMs: 0,
    changes: new ChangeHub(),
    now,
  }
}

/** A log stream that drops everything. */
export function discardLogs(): Writable {
  return new Writable({
    write: (_chunk, _encoding, callback) => {
      callback()
    },
  })
}
