export * from './vocabulary.js'
export * from './change-hub.js'
export { record } from './record.js'
export * from './transaction.js'
