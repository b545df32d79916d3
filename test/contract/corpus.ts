// The corpus of responses Meta really sent (test/contract/fixtures/meta-real-responses.json, a
// copy of the shared contract fixtures with each entry's citation) and what both contract tests
// need to replay it.
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One response Meta sent, as a developer pasted it. */
export interface CorpusEntry {
  readonly id: string
  readonly source: string
  readonly kind: 'live' | 'doc' | 'fixture'
  readonly completeness: 'verbatim' | 'partial' | 'reconstructed'
  readonly host: string
  readonly endpoint: string
  readonly flavor: string
  readonly situation: string
  readonly status: number | null
  readonly headers?: Readonly<Record<string, string>>
  readonly body: string
  readonly note?: string
}

export const CORPUS: readonly CorpusEntry[] = (
  JSON.parse(
    readFileSync(new URL('./fixtures/meta-real-responses.json', import.meta.url), 'utf8'),
  ) as { entries: CorpusEntry[] }
).entries

/**
 * Pasted bodies that are not what Meta put on the wire, rebuilt the least possible way. Each is
 * listed with its reason in docs/emulator.md ("Corpus entries not replayed as pasted").
 */
const WIRE_BODIES: Readonly<Record<string, string>> = {
  // Only "message" (Code 101) was pasted; Meta's Graph envelope restored around them.
  R58: '{"error":{"message":"Error validating application. Cannot get application info due to a system error.","type":"OAuthException","code":101}}',
  // The paster dropped the {"error": …} wrapper.
  R66: '{"error":{"message":"API access blocked.","type":"OAuthException","code":200,"fbtrace_id":"ARYwlNwmXUq_OkGxvmTOzms"}}',
  // The paster elided the tail with "…"; the elision is removed.
  R70: '{"error":{"message":"Unknown path components: /messages","type":"IGApiException","code":2500}}',
}

/** The body as Meta sent it. */
export function wireBody(entry: CorpusEntry): string {
  return WIRE_BODIES[entry.id] ?? entry.body
}

/** Whether the entry is an error answer. */
export function isErrorBody(entry: CorpusEntry): boolean {
  const body = JSON.parse(wireBody(entry) || 'null') as Record<string, unknown> | null
  return (
    body !== null &&
    ('error' in body ||
      'error_type' in body ||
      'error_message' in body ||
      body['status'] === 'fail')
  )
}

/** The entry by id; throws on a typo. */
export function entry(id: string): CorpusEntry {
  const found = CORPUS.find((e) => e.id === id)
  if (!found) throw new Error(`no corpus entry ${id}`)
  return found
}

/** A loopback server answering every request with one canned response; counts the requests. */
export interface CannedServer {
  readonly url: string
  readonly requests: { method: string; url: string }[]
  answer(status: number, headers: Readonly<Record<string, string>>, body: string): void
  close(): Promise<void>
}

/** Starts a {@link CannedServer}. */
export async function cannedServer(): Promise<CannedServer> {
  let reply = { status: 200, headers: {} as Readonly<Record<string, string>>, body: '{}' }
  const requests: { method: string; url: string }[] = []
  const server = createServer((req: IncomingMessage, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' })
    req.resume()
    req.on('end', () => {
      res.writeHead(reply.status, {
        'content-type': 'application/json; charset=UTF-8',
        ...reply.headers,
      })
      res.end(reply.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer(status, headers, body) {
      requests.length = 0
      // Header values from the corpus keep their case-insensitive names; Content-Length is Node's.
      const clean = Object.fromEntries(
        Object.entries(headers).filter(([k]) => !/^(content-length|connection)$/i.test(k)),
      )
      reply = { status, headers: clean, body }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => {
          if (err) reject(err)
          else resolve()
        })
      }),
  }
}
