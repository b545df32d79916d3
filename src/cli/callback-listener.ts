import { createServer as createHttpServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'

/** What the listener answers the browser with. */
export interface CallbackPage {
  readonly status: number
  readonly title: string
  readonly text: string
}

/** A local server catching Meta's redirect. */
export interface CallbackListener {
  close(): Promise<void>
}

/** The port is taken, or may not be used. */
export class ListenError extends Error {
  override name = 'ListenError'
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

/**
 * Listens on the redirect URI's host and port (`localhost` means both 127.0.0.1 and ::1, since
 * browsers may pick either) and hands every request for its path to `onCallback`, which decides
 * the page the browser sees. Other paths get 404.
 *
 * @throws {ListenError} `EADDRINUSE` / `EACCES` when the port cannot be used
 */
export async function startCallbackListener(options: {
  readonly redirectUri: URL
  readonly port: number
  readonly tls?: { readonly key: string; readonly cert: string }
  readonly onCallback: (url: URL) => Promise<CallbackPage>
}): Promise<CallbackListener> {
  const { redirectUri } = options
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', redirectUri)
    if (req.method !== 'GET' || url.pathname !== redirectUri.pathname) {
      send(res, { status: 404, title: 'Not found', text: 'This is igtoken login: nothing here.' })
      return
    }
    options.onCallback(url).then(
      (page) => {
        send(res, page)
      },
      () => {
        send(res, { status: 500, title: 'Error', text: 'See the terminal.' })
      },
    )
  }
  const host = redirectUri.hostname
  const addresses = host === 'localhost' ? ['127.0.0.1', '::1'] : [host.replace(/^\[(.*)\]$/, '$1')]
  const servers: Server[] = []
  const closeAll = async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            // Let the page in flight reach the browser; cut what is still open after a moment.
            const force = setTimeout(() => {
              s.closeAllConnections()
            }, 2000)
            force.unref()
            s.close(() => {
              clearTimeout(force)
              resolve()
            })
            s.closeIdleConnections()
          }),
      ),
    )
  }
  for (const [index, address] of addresses.entries()) {
    const server =
      options.tls === undefined
        ? createHttpServer(handler)
        : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen({ host: address, port: options.port, exclusive: true }, () => {
          server.off('error', reject)
          resolve()
        })
      })
      servers.push(server)
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? String(error.code) : 'ERROR'
      // A machine without IPv6 on loopback still works through 127.0.0.1.
      if (index > 0 && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue
      await closeAll()
      throw new ListenError(code, `cannot listen on ${address} port ${options.port} (${code})`)
    }
  }
  return { close: closeAll }
}

function send(res: ServerResponse, page: CallbackPage): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>igtoken: ${escapeHtml(page.title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5"><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.text)}</p></body></html>`
  res.writeHead(page.status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    connection: 'close',
  })
  res.end(html)
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
}
