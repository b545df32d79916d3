export * from './expiring-cache.js'
export * from './single-flight.js'
export * from './change-watcher.js'
