import type { FastifyReply, FastifyRequest } from 'fastify'

/** A request body as the emulator's parsers leave it. */
export type ParsedBody =
  | { kind: 'form'; fields: Record<string, string> }
  | { kind: 'other'; contentType: string; raw?: string }

/** Sends a pre-serialised or plain JSON body with Meta's content type. */
export function sendJson(reply: FastifyReply, body: unknown, status = 200): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=UTF-8')
    .send(typeof body === 'string' ? body : JSON.stringify(body))
}

/** The query string as a flat record (first value wins). */
export function queryOf(req: FastifyRequest): Record<string, string | undefined> {
  const q = req.query as Record<string, string | string[] | undefined> | undefined
  if (!q) return {}
  // Repeated parameters are rare; copy only when one is present.
  for (const v of Object.values(q)) {
    if (Array.isArray(v)) {
      const out: Record<string, string | undefined> = {}
      for (const [k, x] of Object.entries(q)) out[k] = Array.isArray(x) ? x[0] : x
      return out
    }
  }
  return q as Record<string, string | undefined>
}

/** The parsed body, or undefined when the request had none. */
export function bodyOf(req: FastifyRequest): ParsedBody | undefined {
  return req.body as ParsedBody | undefined
}

/** Form fields of the body; empty when it was not form data. */
export function formOf(req: FastifyRequest): Record<string, string | undefined> {
  const body = bodyOf(req)
  return body?.kind === 'form' ? body.fields : {}
}

/** Parses `application/x-www-form-urlencoded`. */
export function parseUrlEncoded(raw: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of new URLSearchParams(raw)) if (!(k in out)) out[k] = v
  return out
}

/**
 * Parses the text fields of `multipart/form-data`, which Meta's docs use (`curl -F`). Files are
 * not needed by any emulated endpoint and are ignored.
 */
export function parseMultipart(
  raw: string,
  contentType: string,
): Record<string, string> | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  const boundary = m?.[1] ?? m?.[2]
  if (!boundary) return undefined
  const out: Record<string, string> = {}
  for (const part of raw.split(`--${boundary}`)) {
    const sep = part.indexOf('\r\n\r\n')
    if (sep === -1) continue
    const head = part.slice(0, sep)
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(head)?.[1]
    if (name === undefined || /filename=/i.test(head)) continue
    let value = part.slice(sep + 4)
    if (value.endsWith('\r\n')) value = value.slice(0, -2)
    if (!(name in out)) out[name] = value
  }
  return out
}
