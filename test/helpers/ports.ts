import { createServer } from 'node:net'

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => {
        resolve(port)
      })
    })
  })
}

/**
 * Runs `start` again (up to `tries` times) when the port it was given was taken in the meantime:
 * test files run in parallel, and a port found free can be bound by another file before we bind it.
 */
export async function retryOnPortClash<T>(start: () => Promise<T>, tries = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start()
    } catch (error) {
      const message = error instanceof Error ? error.message : ''
      const clash =
        /already in use|EADDRINUSE/.test(message) ||
        (error as { code?: unknown }).code === 'EADDRINUSE'
      if (!clash || attempt >= tries) throw error
    }
  }
}
