import type { StoreContext } from '../../store/index.js'

/**
 * What a read needs of the domain's context: only the store. A `BrokerContext` is one, and so is
 * `{ store }` for a command that opened the store alone.
 */
export interface StoreReader {
  readonly store: StoreContext
}

/** The arguments of a repository function after its store, so a read forwards them unchanged. */
export type After<F> = F extends (store: StoreContext, ...rest: infer R) => unknown ? R : never
