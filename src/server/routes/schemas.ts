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
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const
