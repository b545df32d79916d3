/**
 * Polls `check` every 25 ms until it returns true; fails after `withinMs`. Returns how long it
 * took, so a test can assert the bound without ever sleeping a fixed time.
 */
export async function within(
  withinMs: number,
  check: () => boolean | Promise<boolean>,
  what: string,
): Promise<number> {
  const start = Date.now()
  for (;;) {
    if (await check()) return Date.now() - start
    if (Date.now() - start > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
