import { GraphError } from './errors.js'

/** One requested field, with nested fields for edges such as `children{media_url}`. */
export interface FieldSpec {
  name: string
  sub?: FieldSpec[]
}

const cache = new Map<string, FieldSpec[]>()

/**
 * Parses Graph's `fields=` syntax (`id,children{id,media_url},instagram_business_account{id}`).
 * Results are cached because clients send the same few strings over and over.
 * @throws GraphError code 100 on unbalanced braces or empty names
 */
export function parseFields(raw: string): FieldSpec[] {
  const hit = cache.get(raw)
  if (hit) return hit
  let pos = 0
  const fail = (): never => {
    throw new GraphError(`Syntax error "Unexpected token" at character ${pos}: ${raw}`, {
      code: 2500,
    })
  }
  const list = (depth: number): FieldSpec[] => {
    const out: FieldSpec[] = []
    for (;;) {
      const start = pos
      while (pos < raw.length && /[A-Za-z0-9_.]/.test(raw.charAt(pos))) pos++
      const name = raw.slice(start, pos).trim()
      if (name === '') fail()
      const spec: FieldSpec = { name }
      if (raw.charAt(pos) === '{') {
        pos++
        spec.sub = list(depth + 1)
        if (raw.charAt(pos) !== '}') fail()
        pos++
      }
      out.push(spec)
      if (raw.charAt(pos) === ',') {
        pos++
        continue
      }
      if (pos === raw.length ? depth !== 0 : raw.charAt(pos) !== '}' || depth === 0) fail()
      return out
    }
  }
  const parsed = raw.trim() === '' ? [] : list(0)
  if (cache.size > 500) cache.clear()
  cache.set(raw, parsed)
  return parsed
}

/**
 * Renders a node: each requested field is looked up in `getters`; unknown names fail like Graph
 * does. `undefined` from a getter means "not applicable here" and the key is left out, as Meta
 * leaves out `thumbnail_url` on images.
 */
export function renderFields(
  specs: FieldSpec[],
  nodeType: string,
  getters: Record<string, ((sub: FieldSpec[] | undefined) => unknown) | undefined>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const spec of specs) {
    const get = getters[spec.name]
    if (!get) {
      throw new GraphError(
        `(#100) Tried accessing nonexisting field (${spec.name}) on node type (${nodeType})`,
        { code: 100 },
      )
    }
    const value = get(spec.sub)
    if (value !== undefined) out[spec.name] = value
  }
  // Graph answers with the node id even when it was not asked for, after the requested fields.
  const id = getters['id']
  if (!('id' in out) && id) out['id'] = id(undefined)
  return out
}
