import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import type { RequiredScope } from '../broker/api-key-scopes.js'
import type { ServiceErrorCode } from '../broker/service-error.js'
import { HTTP_STATUS } from './errors.js'
import { errorSchema } from './routes/schemas.js'

/**
 * What any `/api/v1` route may answer whatever it does: the key guard, validation, the rate
 * limit, a busy database, a bug. A route lists only the codes of its own (`config.errors`).
 */
const API_ERRORS: readonly ServiceErrorCode[] = [
  'invalid_request',
  'unauthorized',
  'forbidden_scope',
  'rate_limited',
  'busy',
  'internal',
]

/**
 * The documented error responses of a route: its codes grouped by their HTTP status (the one
 * mapping, `HTTP_STATUS`), each response naming its codes and its schema allowing only them.
 * For the document only: the routes' own response schemas (which serialize) are untouched.
 */
function errorResponses(
  codes: readonly ServiceErrorCode[],
): Record<string, Record<string, unknown>> {
  const byStatus = new Map<number, ServiceErrorCode[]>()
  for (const code of new Set(codes)) {
    const status = HTTP_STATUS[code]
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  const responses: Record<string, Record<string, unknown>> = {}
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      ...errorSchema,
      description: `Error codes (docs/errors.md): ${list.map((c) => `\`${c}\``).join(', ')}.`,
      properties: {
        error: {
          ...errorSchema.properties.error,
          properties: {
            ...errorSchema.properties.error.properties,
            code: { type: 'string', enum: list },
          },
        },
      },
    }
  }
  return responses
}

/** A route as Fastify registered it. */
export interface RegisteredRoute {
  readonly method: string
  readonly url: string
  /** The API key scope it declares (`config.scope`), for the scope table test. */
  readonly scope: RequiredScope | undefined
}

/**
 * Collects every tagged route into an OpenAPI 3.1 document, served at `/openapi.json` and
 * rendered at `/docs`. Must be registered before the routes it documents. Only `/api/v1` and the
 * public feeds are documented; the dashboard, Meta's callbacks and health checks stay out.
 */
export async function registerOpenApi(
  app: FastifyInstance,
  options: { publicUrl: string; version: string },
): Promise<void> {
  const routes: RegisteredRoute[] = []
  app.addHook('onRoute', (route) => {
    const scope = route.config?.scope
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, scope })
  })
  app.decorate('registeredRoutes', routes)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'igtoken API',
        version: options.version,
        description:
          'The token API under /api/v1 (every route needs an API key: `Authorization: Bearer igt_…`, made with `igtoken keys create` or in the dashboard) and the public feeds.',
      },
      servers: [{ url: options.publicUrl }],
      tags: [
        { name: 'accounts', description: 'Connected accounts and their tokens.' },
        { name: 'feeds', description: 'Publish an account’s media as a public JSON feed.' },
        { name: 'public feeds', description: 'What websites read; no key needed.' },
        { name: 'webhooks', description: 'Subscribers that receive igtoken’s signed events.' },
        {
          name: 'connect links',
          description: 'Single-use links that let a client connect an account (agencies).',
        },
        {
          name: 'graph proxy',
          description: 'Instagram’s Graph API for the account’s own objects, without the token.',
        },
      ],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key (`igt_…`).',
          },
        },
      },
    },
    // Only the API and the public feeds are documented; routes another part adds under /api/v1
    // without tags are still listed, under the name of their first path segment.
    transform: ({ schema: given, url, route }) => {
      // Routes declared without a schema arrive with none at all.
      const declared = (given as typeof given | undefined) ?? {}
      const documented = url.startsWith('/api/v1/') || url.startsWith('/feeds/')
      if (!documented) return { schema: { ...declared, hide: true }, url }
      const config = route.config as
        { scope?: RequiredScope; errors?: readonly ServiceErrorCode[] } | undefined
      // The API key scope the route needs, as OpenAPI 3.1 lists roles of a non-OAuth scheme.
      const scope = config?.scope
      const scopes = scope === undefined ? [] : [scope].flat()
      // Every error response names its codes: the API's common ones and the route's own.
      const codes = [...(url.startsWith('/api/v1/') ? API_ERRORS : []), ...(config?.errors ?? [])]
      const response = { ...(declared.response as object | undefined), ...errorResponses(codes) }
      const withErrors = { ...declared, response }
      const schema =
        scopes.length === 0 ? withErrors : { ...withErrors, security: [{ apiKey: scopes }] }
      if (schema.tags !== undefined && schema.tags.length > 0) return { schema, url }
      const tag = /^\/api\/v1\/([^/]+)/.exec(url)?.[1] ?? 'api'
      return { schema: { ...schema, tags: [tag], security: [{ apiKey: scopes }] }, url }
    },
    refResolver: {
      // Shared schemas keep their $id as the component name (e.g. FeedItem).
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json['$id'] === 'string' ? json['$id'] : `def-${String(i)}`,
    },
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
  })
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger())
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The error codes this route answers besides the API's common ones (`API_ERRORS`), for
     * the OpenAPI document (test/server/openapi-errors.test.ts checks every operation lists
     * its codes).
     */
    errors?: readonly ServiceErrorCode[]
  }
  interface FastifyInstance {
    /** Every route registered after the OpenAPI plugin (the OpenAPI completeness test reads it). */
    registeredRoutes: readonly RegisteredRoute[]
  }
}
