import {
  cancelConnectLink,
  createConnectLink,
  listConnectLinkViews,
} from '../../broker/connect-links/index.js'
import type { ConnectLinkView } from '../../broker/connect-links/index.js'
import { CliError } from '../errors.js'
import { EXIT } from '../exit-codes.js'
import { openCliRuntime } from '../open-store.js'
import { printJson } from '../output.js'

/** Options of `igtoken links create`. */
export interface LinksCreateOptions {
  readonly label?: string
  /** `key=value` pairs, repeatable. */
  readonly metadata?: readonly string[]
  readonly scopes?: string
  readonly returnTo?: string
  readonly expiresDays?: string
  readonly json?: boolean
}

/** `igtoken links create`: the link's URL is printed once; only its hash is stored. */
export async function linksCreateCommand(opts: LinksCreateOptions): Promise<void> {
  const metadata = parseMetadata(opts.metadata ?? [])
  const days = opts.expiresDays === undefined ? undefined : Number(opts.expiresDays)
  if (days !== undefined && !Number.isInteger(days)) {
    throw new CliError('--expires-days must be a whole number of days (1 to 30)', {
      exit: EXIT.usage,
      code: 'usage',
    })
  }
  const runtime = await openCliRuntime()
  try {
    const created = await createConnectLink(runtime.ctx, {
      label: opts.label,
      metadata,
      scopes: opts.scopes?.split(/[\s,]+/).filter(Boolean),
      returnTo: opts.returnTo,
      expiresInSeconds: days === undefined ? undefined : days * 86_400,
    })
    if (opts.json === true) printJson(created)
    else {
      process.stdout.write(`${created.url}\n`)
      process.stderr.write(
        `Connect link ${created.link.id} created; it expires ${created.link.expires_at}. The URL is shown only this once: send it to your client now.\n`,
      )
    }
  } finally {
    await runtime.close()
  }
}

/** `igtoken links list [--json]`: newest first, with the state; never a secret. */
export async function linksListCommand(opts: { json?: boolean }): Promise<void> {
  const runtime = await openCliRuntime()
  try {
    const page = await listConnectLinkViews(runtime.ctx, { limit: 500 })
    if (opts.json === true) printJson(page.items)
    else if (page.items.length === 0) process.stdout.write('no connect links\n')
    else for (const link of page.items) process.stdout.write(`${line(link)}\n`)
  } finally {
    await runtime.close()
  }
}

/** `igtoken links cancel ID [--json]`. */
export async function linksCancelCommand(id: string, opts: { json?: boolean }): Promise<void> {
  const runtime = await openCliRuntime()
  try {
    const link = await cancelConnectLink(runtime.ctx, id)
    if (opts.json === true) printJson(link)
    else process.stdout.write(`${link.id} ${link.state}\n`)
  } finally {
    await runtime.close()
  }
}

function line(link: ConnectLinkView): string {
  const account = link.account_id === null ? '' : `  account ${link.account_id}`
  return `${link.id}  ${link.state}  ${link.label ?? '-'}  expires ${link.expires_at}${account}`
}

function parseMetadata(pairs: readonly string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined
  const metadata: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq < 1)
      throw new CliError(`--metadata expects key=value, got "${pair.slice(0, 40)}"`, {
        exit: EXIT.usage,
        code: 'usage',
      })
    metadata[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return metadata
}
