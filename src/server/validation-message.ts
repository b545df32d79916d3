/** One ajv error as Fastify attaches it to a validation failure (`error.validation[i]`). */
export interface AjvIssue {
  readonly keyword: string
  readonly instancePath?: string
  readonly params?: Readonly<Record<string, unknown>>
}

type Schema = Readonly<Record<string, unknown>>

// Where Fastify found the problem, in the words a caller of the API uses.
const PLACE: Readonly<Record<string, string>> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'headers',
}

/**
 * A Fastify validation failure as one sentence that names the field and what it accepts,
 * e.g. `"status" must be one of: active, revoked` or `body is missing "url"`.
 *
 * Built only from the schema (ajv's params, and the route's schema for the field's whole
 * contract) and the field's path, never from the rejected value: a caller who pasted a token into
 * the wrong field must not see it echoed. (ajv's `verbose` would give the field's schema too, but
 * also attaches the rejected data to the error, where a logger could pick it up.)
 */
export function validationMessage(
  issues: readonly AjvIssue[],
  context?: string,
  routeSchema?: Schema,
): string {
  const issue = issues[0]
  const place = PLACE[context ?? ''] ?? 'request'
  if (issue === undefined) return `the ${place} is not valid`
  const params = issue.params ?? {}
  const field = fieldName(issue.instancePath ?? '')
  const subject = field === '' ? `the ${place}` : `"${field}"`
  const own = fieldSchema(routeSchema?.[context ?? ''], issue.instancePath ?? '')
  switch (issue.keyword) {
    case 'required':
      return `${place} is missing "${join(field, String(params['missingProperty']))}"`
    case 'additionalProperties':
      return `${place} has an unknown field "${join(field, String(params['additionalProperty']))}"`
    case 'enum':
      return `${subject} must be one of: ${list(params['allowedValues'])}`
    case 'const':
      return `${subject} must be ${String(params['allowedValue'])}`
    case 'type':
      return `${subject} must be ${typeWords(own, params)}`
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${subject} must be ${typeWords(own, params)}`
    case 'minLength':
      return `${subject} must be at least ${String(params['limit'])} characters long`
    case 'maxLength':
      return `${subject} must be at most ${String(params['limit'])} characters long`
    case 'minItems':
      return `${subject} must list at least ${String(params['limit'])} item(s)`
    case 'maxItems':
      return `${subject} must list at most ${String(params['limit'])} item(s)`
    case 'uniqueItems':
      return `${subject} must not list the same value twice`
    case 'pattern':
    case 'format':
      return `${subject} is not in the expected format`
    default:
      return `${subject} is not valid`
  }
}

// `/events/0` → `events[0]`; `/a/b` → `a.b`.
function fieldName(instancePath: string): string {
  return instancePath
    .split('/')
    .filter((part) => part !== '')
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('')
}

function join(parent: string, child: string): string {
  return parent === '' ? child : `${parent}.${child}`
}

function list(values: unknown): string {
  return Array.isArray(values) ? values.map(String).join(', ') : String(values)
}

// The field's whole contract from its schema, so a bound failure also names the type and the
// other bound ("an integer from 1 to 100"), and a type failure names the bounds.
function typeWords(schema: Schema, params: Schema): string {
  const type = schema['type'] ?? params['type']
  const noun =
    type === 'integer'
      ? 'an integer'
      : type === 'number'
        ? 'a number'
        : type === 'boolean'
          ? 'true or false'
          : type === 'array'
            ? 'a list'
            : type === 'object'
              ? 'an object'
              : type === 'string'
                ? 'a string'
                : `of type ${String(type)}`
  const min = schema['minimum'] ?? (params['comparison'] === '>=' ? params['limit'] : undefined)
  const max = schema['maximum'] ?? (params['comparison'] === '<=' ? params['limit'] : undefined)
  if (typeof min === 'number' && typeof max === 'number') return `${noun} from ${min} to ${max}`
  if (typeof min === 'number') return `${noun} of at least ${min}`
  if (typeof max === 'number') return `${noun} of at most ${max}`
  return noun
}

// The schema of the field at `instancePath` inside the route's schema for that part, or `{}`.
function fieldSchema(root: unknown, instancePath: string): Schema {
  let node: unknown = root
  for (const part of instancePath.split('/').filter((p) => p !== '')) {
    if (!isSchema(node)) return {}
    node = /^\d+$/.test(part) ? node['items'] : (node['properties'] as Schema | undefined)?.[part]
  }
  return isSchema(node) ? node : {}
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
