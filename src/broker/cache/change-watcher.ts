import { watchStoreChanges } from '../../store/index.js'
import type { Store, StoreChange, StoreChangeWatchOptions } from '../../store/index.js'
import type { Change, ChangeHub } from '../effects/change-hub.js'

/** Options of {@link startChangeWatcher}. */
export interface ChangeWatcherOptions extends StoreChangeWatchOptions {
  /** Told about a failed poll or reconnect (logging); the watcher keeps trying. */
  readonly onError?: (error: unknown) => void
}

/** A running change watcher. */
export interface ChangeWatcher {
  /** Stops watching; call it before closing the store. Idempotent. */
  stop(): Promise<void>
}

/**
 * Publishes on `hub` the changes other processes commit (a `worker`, the CLI, another `serve`),
 * so this process's caches forget them within a second (SQLite: the poll interval, 250 ms by
 * default; PostgreSQL: NOTIFY, at once). This process's own changes are skipped: its use cases
 * published them at commit. When changes may have been missed, `{kind: 'all'}` is published.
 * @param store - the process's store (SQLite: the same connection its caches read through)
 * @param hub - the process's hub (`BrokerContext.changes`)
 */
export async function startChangeWatcher(
  store: Store,
  hub: ChangeHub,
  options: ChangeWatcherOptions = {},
): Promise<ChangeWatcher> {
  return watchStoreChanges(
    store,
    {
      onChanges(changes) {
        for (const change of changes) {
          if (change.origin !== hub.origin) hub.publish(hubChange(change))
        }
      },
      onGap() {
        hub.publish({ kind: 'all' })
      },
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    },
    {
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      ...(options.checkMs === undefined ? {} : { checkMs: options.checkMs }),
    },
  )
}

/** A store change as the hub publishes it. */
export function hubChange(change: StoreChange): Change {
  switch (change.kind) {
    case 'account':
      return { kind: 'account', accountId: change.ref ?? '' }
    case 'api-key':
      return { kind: 'api-key', keyId: change.ref ?? '' }
    case 'feed':
      return { kind: 'feed', feedId: change.ref ?? '' }
    default:
      return { kind: 'all' }
  }
}
