import { createServer } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A request the fake Meta received. */
export interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly body: string
  readonly contentType: string | undefined
}

/** A canned answer: JSON (`json`), raw text (`text`), or no answer at all (`hang`). */
export interface CannedAnswer {
  readonly status?: number
  readonly headers?: Record<string, string>
  readonly json?: unknown
  readonly text?: string
  readonly hang?: boolean
  /** Cut the connection after writing the headers and part of the body. */
  readonly destroyAfter?: string
}

export type Handler = (req: SeenRequest, count: number) => CannedAnswer

/** A real HTTP server on 127.0.0.1 answering Meta-shaped bodies per `METHOD /host/path`. */
export interface FakeMeta {
  readonly url: string
  readonly seen: SeenRequest[]
  route(method: string, path: string, handler: Handler | CannedAnswer): void
  count(method: string, path: string): number
  close(): Promise<void>
}

/** Starts the fake Meta; every host lives under `/{host}` like the igtoken emulator. */
export async function startFakeMeta(): Promise<FakeMeta> {
  const routes = new Map<string, Handler>()
  const counts = new Map<string, number>()
  const seen: SeenRequest[] = []
  const hanging = new Set<IncomingMessage>()
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const request: SeenRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        body: Buffer.concat(chunks).toString('utf8'),
        contentType: req.headers['content-type'],
      }
      seen.push(request)
      const key = `${request.method} ${request.path}`
      const n = (counts.get(key) ?? 0) + 1
      counts.set(key, n)
      const handler = routes.get(key)
      if (handler === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { message: `no route ${key}`, type: 'Test', code: 803 } }))
        return
      }
      const answer = handler(request, n)
      if (answer.hang === true) {
        hanging.add(req)
        return
      }
      const text = answer.text ?? (answer.json === undefined ? '' : JSON.stringify(answer.json))
      res.writeHead(answer.status ?? 200, {
        'content-type': answer.text === undefined ? 'application/json' : 'text/plain',
        ...answer.headers,
      })
      if (answer.destroyAfter !== undefined) {
        res.write(answer.destroyAfter)
        setImmediate(() => res.destroy())
        return
      }
      res.end(text)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    route(method, path, handler) {
      routes.set(`${method} ${path}`, typeof handler === 'function' ? handler : () => handler)
    },
    count: (method, path) => counts.get(`${method} ${path}`) ?? 0,
    async close() {
      for (const req of hanging) req.socket.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
      })
    },
  }
}
