import { announceChanges } from '../../store/index.js'
import type { StoreChange, StoreContext, WebhookSubscriberRow } from '../../store/index.js'
import type { Change, ChangeHub } from './change-hub.js'
import { record } from './record.js'
import type { Effect } from './vocabulary.js'

/** What a use case gets inside {@link inTransaction}. */
export interface UnitOfWork {
  /** The transaction: pass it to every repository call of the use case. */
  readonly store: StoreContext
  /**
   * Records an effect (event + webhooks) in this transaction; its account is invalidated after
   * commit. `subscribers`: see `record`.
   */
  record(effect: Effect, subscribers?: readonly WebhookSubscriberRow[]): Promise<string>
  /** Another change to publish after commit (an API key, a feed). */
  invalidate(change: Change): void
}

/**
 * Runs a use case's writes in one transaction. Effects are written with the change (outbox);
 * after commit, and only then, the changes are published to the process's hub so caches forget.
 * The changes are also announced to other processes in the same transaction (`announceChanges`),
 * whose change watchers publish them on their hubs.
 */
export async function inTransaction<T>(
  ctx: { readonly store: StoreContext; readonly changes: ChangeHub; readonly now: () => number },
  work: (unit: UnitOfWork) => Promise<T>,
): Promise<T> {
  const changes: Change[] = []
  const result = await ctx.store.db.transaction().execute(async (trx) => {
    const store: StoreContext = { db: trx, dialect: ctx.store.dialect }
    const result = await work({
      store,
      async record(effect, subscribers) {
        changes.push({ kind: 'account', accountId: effect.account.id })
        return record(store, effect, ctx.now(), subscribers)
      },
      invalidate(change) {
        changes.push(change)
      },
    })
    await announceChanges(store, {
      origin: ctx.changes.origin,
      changes: distinct(changes.map(storeChange)),
      now: ctx.now(),
    })
    return result
  })
  for (const change of changes) ctx.changes.publish(change)
  return result
}

/** A hub change as the store announces it. */
export function storeChange(change: Change): StoreChange {
  switch (change.kind) {
    case 'account':
      return { kind: 'account', ref: change.accountId }
    case 'api-key':
      return { kind: 'api-key', ref: change.keyId }
    case 'feed':
      return { kind: 'feed', ref: change.feedId }
    default:
      return { kind: 'all', ref: null }
  }
}

function distinct(changes: readonly StoreChange[]): StoreChange[] {
  const seen = new Map(changes.map((c) => [`${c.kind}:${c.ref ?? ''}`, c]))
  return [...seen.values()]
}
