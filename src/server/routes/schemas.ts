/** The one error body, as a JSON schema for route responses and the OpenAPI document. */
export const errorSchema = {
  type: 'object',
  description: 'The one error body of the service.',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', description: 'Stable code; see docs/errors.md.' },
        message: { type: 'string' },
        hint: { type: 'string', description: 'What to do about it, when igtoken knows.' },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const

/** Path parameters of a route addressed by one `:id`. */
export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
  required: ['id'],
  additionalProperties: false,
} as const

/** An ISO 8601 instant, or null. */
export const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const

/** The query of a cursor-paged list (`limit`, `cursor`), with a route's own filters added. */
export function pagedQuery(filters: Readonly<Record<string, object>> = {}) {
  return {
    type: 'object',
    properties: {
      ...filters,
      limit: { type: 'integer', minimum: 1, maximum: 500 },
      cursor: { type: 'string', maxLength: 200 },
    },
    additionalProperties: false,
  } as const
}

/** A page of a cursor-paged list: its items and the cursor of the next page (null at the end). */
export function pageOf(items: object) {
  return {
    type: 'object',
    properties: {
      data: { type: 'array', items },
      next_cursor: { type: ['string', 'null'] },
    },
    required: ['data', 'next_cursor'],
  } as const
}
