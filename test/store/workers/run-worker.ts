import { Worker } from 'node:worker_threads'

/**
 * Runs `store-worker.ts` in a thread (through `bootstrap.mjs`, which loads tsx) and resolves with its one message.
 * @param data - the job
 */
export function runWorker<T>(data: Record<string, unknown>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(new URL('./bootstrap.mjs', import.meta.url), { workerData: data })
    let result: { value: T } | undefined
    worker.once('message', (value: T) => (result = { value }))
    worker.once('error', reject)
    worker.once('exit', (code) => {
      if (result !== undefined) resolve(result.value)
      else reject(new Error(`worker exited with code ${code} without a result`))
    })
  })
}
