import type { Command } from 'commander'
import type { LinksCreateOptions } from './commands/links.js'

/**
 * `igtoken links create|list|cancel`: connect links for onboarding clients. Kept out of main.ts
 * (which stays under the size limit); the command module is imported only when one runs.
 */
export function registerLinksCommands(program: Command): void {
  const links = program
    .command('links')
    .description('single-use connect links that let a client connect an account')
  links
    .command('create')
    .description('create a connect link; its URL is printed once')
    .option('--label <label>', 'the client, shown on the link page and kept as the label')
    .option(
      '--metadata <key=value>',
      'your own facts, echoed on account.connected (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--scopes <scopes>', 'comma-separated subset of the flavor scopes')
    .option('--return-to <url>', 'a path here or a URL on IGTOKEN_CONNECT_LINK_RETURN_ORIGINS')
    .option('--expires-days <days>', 'days until the link expires (1 to 30, default 7)')
    .option('--json', 'print {"url","link"} as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  npx igtoken links create --label "Acme Bakery" --metadata customer_id=cus-42',
    )
    .action(async (opts: LinksCreateOptions) => {
      const { linksCreateCommand } = await import('./commands/links.js')
      await linksCreateCommand(opts)
    })
  links
    .command('list')
    .description('list connect links with their state (never their secrets)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  npx igtoken links list --json')
    .action(async (opts: { json?: boolean }) => {
      const { linksListCommand } = await import('./commands/links.js')
      await linksListCommand(opts)
    })
  links
    .command('cancel')
    .description('cancel a pending connect link')
    .argument('<id>', 'the link id shown by "links list"')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  npx igtoken links cancel lnk_abc123')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { linksCancelCommand } = await import('./commands/links.js')
      await linksCancelCommand(id, opts)
    })
}
