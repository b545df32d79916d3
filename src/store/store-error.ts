/**
 * The store could not be opened because its URL names a database we do not speak.
 * Fix: use `sqlite:<path>`, a plain file path, `:memory:` or `postgres://…`.
 * Assigned by {@link openStore}.
 */
export const IGB_STORE_URL_UNSUPPORTED = 'IGB_STORE_URL_UNSUPPORTED'

/**
 * A schema migration failed; the database is left at the last migration that succeeded.
 * Fix: read the `cause`, repair the database or the migration, and start again.
 * Assigned by {@link migrateToLatest}.
 */
export const IGB_MIGRATION_FAILED = 'IGB_MIGRATION_FAILED'

/**
 * `IGTOKEN_ENCRYPTION_KEYS` (or another keyring string) is malformed.
 * Fix: use `kid1:<base64 of 32 bytes>,kid2:<…>`; `igtoken keys generate` prints a valid entry.
 * Assigned by {@link parseKeyring} and {@link createKeyring}.
 */
export const IGB_KEYRING_INVALID = 'IGB_KEYRING_INVALID'

/**
 * A stored value was sealed with a key id that is not in the keyring.
 * Fix: add the old key back to `IGTOKEN_ENCRYPTION_KEYS` (after the current first key), then run
 * the key rotation so every row moves to the first key.
 * Assigned by `Keyring.open` and reported by {@link checkKeysOpenEverything}.
 */
export const IGB_KEY_MISSING = 'IGB_KEY_MISSING'

/**
 * A sealed value failed authentication: wrong key material under the right id, a ciphertext
 * moved to another row, or tampered bytes.
 * Fix: restore the right key or the row from a backup; the value cannot be recovered otherwise.
 * Assigned by `Keyring.open`.
 */
export const IGB_DECRYPT_FAILED = 'IGB_DECRYPT_FAILED'

/**
 * Another process held SQLite's write lock for longer than the store waits
 * (5 s): a `worker`, `rotate-keys` or a backup.
 * Fix: retry after a moment (the service answers 503 with `Retry-After`); if it persists, find
 * the process holding the database.
 * Assigned by the SQLite driver of {@link openStore}.
 */
export const IGB_STORE_BUSY = 'IGB_STORE_BUSY'

/** Every code a {@link StoreError} can carry (docs/errors.md lists each). */
export const STORE_ERROR_CODES = [
  IGB_STORE_URL_UNSUPPORTED,
  IGB_MIGRATION_FAILED,
  IGB_KEYRING_INVALID,
  IGB_KEY_MISSING,
  IGB_DECRYPT_FAILED,
  IGB_STORE_BUSY,
] as const

/** Every code a {@link StoreError} can carry. */
export type StoreErrorCode =
  | typeof IGB_STORE_URL_UNSUPPORTED
  | typeof IGB_MIGRATION_FAILED
  | typeof IGB_KEYRING_INVALID
  | typeof IGB_KEY_MISSING
  | typeof IGB_DECRYPT_FAILED
  | typeof IGB_STORE_BUSY

/**
 * A broken contract or internal failure inside the store (the store's flavour of BrokerError).
 * Messages never contain a token, a key or any other secret.
 */
export class StoreError extends Error {
  /** One of the `IGB_*` codes exported beside this class. */
  readonly code: StoreErrorCode

  /**
   * @param code - the machine-readable code
   * @param message - lower-case, quoting the field concerned, never a secret
   * @param options - `cause` for the underlying error
   */
  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StoreError'
    this.code = code
  }
}

/**
 * Builds the `TypeError` we throw for caller misuse, with a Node-style `code`.
 * @internal
 */
export function invalidArgument(message: string): TypeError & { code: 'ERR_INVALID_ARG_VALUE' } {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_VALUE' as const })
}
