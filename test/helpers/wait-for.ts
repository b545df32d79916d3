import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Polls `check` every `everyMs` until it holds: tests wait for the condition they mean, not for a
 * guessed number of milliseconds.
 * @throws Error naming `what` when `ms` pass first
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 30_000,
  everyMs = 25,
): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${String(ms)} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}
