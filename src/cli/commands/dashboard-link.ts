import { mintDashboardSignInLink } from '../../broker/dashboard-sign-in-link.js'
import { openCliRuntime } from '../open-store.js'
import { printJson, say } from '../output.js'

/**
 * `igtoken dashboard-link [--json]`: prints a one-time dashboard sign-in link that the running
 * service accepts (it is stored, hashed, in the service's database). The way back into the demo
 * dashboard after signing out, and into a live one without the password from this machine.
 */
export async function dashboardLinkCommand(opts: { json?: boolean }): Promise<void> {
  const runtime = await openCliRuntime()
  try {
    const link = await mintDashboardSignInLink(runtime.ctx)
    const expires = new Date(link.expiresAt).toISOString()
    if (opts.json === true) {
      printJson({ url: link.url, expires_at: expires })
      return
    }
    process.stdout.write(`${link.url}\n`)
    say(`Opens the dashboard once, until ${expires}; keep it to yourself.`)
  } finally {
    await runtime.close()
  }
}
