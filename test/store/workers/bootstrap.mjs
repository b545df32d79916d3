// Worker threads do not inherit tsx from `--import` reliably on Node 20: register it here, then
// load the TypeScript worker.
import { register } from 'tsx/esm/api'

register()
await import('./store-worker.ts')
