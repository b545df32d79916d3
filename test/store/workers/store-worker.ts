// Runs store calls in a worker thread, so two SQLite connections really run at the same time
// (better-sqlite3 blocks its thread while it waits for a lock).
import { parentPort, workerData } from 'node:worker_threads'

import { claimDueTokens, migrateToLatest, openStore } from '../../../src/store/index.js'

interface Job {
  readonly url: string
  readonly task: 'migrate' | 'claim-all'
  readonly owner?: string
  readonly now?: number
  readonly batch?: number
  /** Shared counter: every worker waits here until `parties` workers have arrived. */
  readonly barrier?: SharedArrayBuffer
  readonly parties?: number
}

const job = workerData as Job
const store = await openStore(job.url, { busyTimeoutMs: 20_000 })
if (job.barrier !== undefined) {
  const counter = new Int32Array(job.barrier)
  Atomics.add(counter, 0, 1)
  Atomics.notify(counter, 0)
  for (let seen = Atomics.load(counter, 0); seen < (job.parties ?? 2);) {
    Atomics.wait(counter, 0, seen, 10_000)
    seen = Atomics.load(counter, 0)
  }
}
try {
  if (job.task === 'migrate') {
    parentPort?.postMessage(await migrateToLatest(store))
  } else {
    const claimed: string[] = []
    for (;;) {
      const rows = await claimDueTokens(store, {
        owner: job.owner ?? 'worker',
        now: job.now ?? 0,
        leaseMs: 3_600_000,
        limit: job.batch ?? 3,
      })
      if (rows.length === 0) break
      claimed.push(...rows.map((r) => r.id))
    }
    parentPort?.postMessage(claimed)
  }
} finally {
  await store.close()
}
