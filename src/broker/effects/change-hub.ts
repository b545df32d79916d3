/**
 * What a cache may have to forget. `all` is published when this process cannot tell what
 * another process changed (e.g. it missed a notification), so every cache starts afresh.
 */
export type Change =
  | { readonly kind: 'account'; readonly accountId: string }
  | { readonly kind: 'api-key'; readonly keyId: string }
  | { readonly kind: 'feed'; readonly feedId: string }
  | { readonly kind: 'all' }

import { randomBytes } from 'node:crypto'

/** A listener of {@link ChangeHub}. */
export type ChangeListener = (change: Change) => void

/**
 * The in-process invalidation hub: use cases publish what they committed, caches (token, API
 * key, feed) subscribe. Changes made by other processes are published here by the store's
 * change watcher, so a subscriber never needs to know who made a change.
 */
export class ChangeHub {
  readonly #listeners = new Set<ChangeListener>()
  /**
   * Names this process in the changes it announces to other processes, so that its change
   * watcher does not publish its own changes a second time.
   */
  readonly origin: string = randomBytes(12).toString('base64url')

  /** @returns a function that unsubscribes */
  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** Tells every listener; a throwing listener does not stop the others. */
  publish(change: Change): void {
    for (const listener of this.#listeners) {
      try {
        listener(change)
      } catch {
        // A cache that cannot forget must not stop the others from forgetting.
      }
    }
  }
}
