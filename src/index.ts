/**
 * igtoken: get Instagram access tokens from Meta and keep them alive.
 *
 * @packageDocumentation
 */
export * from './meta/index.js'
