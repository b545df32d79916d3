import type { RouteOptions } from 'fastify'

/** A JSON-schema property map for query parameters. */
export type QueryProperties = Readonly<Record<string, Record<string, unknown>>>

/** The parameters every route accepts: `?format=json` asks for JSON instead of a page. */
export const COMMON_QUERY: QueryProperties = { format: { type: 'string', enum: ['json'] } }

// The querystring schemas this file made, as opposed to ones a route declared itself.
const DEFAULTED = new WeakSet<object>()

/**
 * An `onRoute` hook: a route that declares no querystring schema gets one that accepts only
 * `properties` (and those of an enclosing scope's hook), with `additionalProperties: false`, so
 * `?_method=DELETE` or any other unknown parameter answers 400 instead of being ignored. Routes
 * that read more parameters declare their own schema (also with `additionalProperties: false`).
 */
export function strictQuery(properties: QueryProperties): (route: RouteOptions) => void {
  return (route) => {
    const schema = route.schema ?? {}
    const declared = schema.querystring as
      { properties?: Record<string, unknown>; [key: string]: unknown } | undefined
    if (declared !== undefined && !DEFAULTED.has(declared)) return
    const querystring = {
      type: 'object',
      properties: { ...declared?.properties, ...properties },
      additionalProperties: false,
    }
    DEFAULTED.add(querystring)
    route.schema = { ...schema, querystring }
  }
}
