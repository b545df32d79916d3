// Operations on the store itself (open, migrate, copy between databases, re-seal under new keys)
// for the operator commands (`migrate`, `rotate-keys`, `doctor`): composition work, so it lives in
// the composition root and the CLI never imports the store.
export {
  CopyRefusedError,
  EPHEMERAL_TABLES,
  checkKeysOpenEverything,
  copyStore,
  migrateToLatest,
  openStore,
  parseStoreUrl,
  reencryptAll,
} from '../store/index.js'
export type { CopyResult, Keyring, Store, StoreContext, StoreLocation } from '../store/index.js'
