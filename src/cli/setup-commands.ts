import type { Command } from 'commander'
import type { InitOptions } from './commands/init.js'

/**
 * Registers the commands that set a service up (`init`, `dashboard-link`). They live here, not in
 * main.ts, so main.ts stays small; each imports its module only when it runs.
 */
export function registerSetupCommands(program: Command): void {
  program
    .command('init')
    .description('write a .env for a real Meta app: asks for the values, checks them with Meta')
    .option('--flavor <flavor>', 'instagram-login, facebook-login or basic-display')
    .option('--app-id <id>', 'the app id of the flavor (Instagram app id for instagram-login)')
    .option(
      '--public-url <url>',
      'the HTTPS address the service is reached at (IGTOKEN_PUBLIC_URL)',
    )
    .option(
      '--redirect-uri <url>',
      'only when the registered one differs from <public-url>/callback',
    )
    .option('--trust-proxy <value>', "the reverse proxy's address, or the number of proxies")
    .option('--env-file <path>', 'where to write', '.env')
    .option('--force', 'replace an existing file')
    .addHelpText(
      'after',
      [
        '',
        'Secrets are never flags: each comes from its variable (IGTOKEN_APP_SECRET,',
        'IGTOKEN_META_APP_SECRET, IGTOKEN_ADMIN_PASSWORD), a hidden prompt, or one line of stdin',
        'each in that order (an empty admin password line: one is generated).',
        'Example:',
        '  npx igtoken init --app-id 1234567890123456 --public-url https://tokens.example.com',
      ].join('\n'),
    )
    .action(async (opts: InitOptions) => {
      const { initCommand } = await import('./commands/init.js')
      await initCommand(opts)
    })

  program
    .command('dashboard-link')
    .description('print a one-time dashboard sign-in link (works once, for 15 minutes)')
    .option('--json', 'print {"url","expires_at"}')
    .addHelpText(
      'after',
      '\nThe service must use the same database (same folder, .env or IGTOKEN_DATABASE_URL).\nExample:\n  npx igtoken dashboard-link',
    )
    .action(async (opts: { json?: boolean }) => {
      const { dashboardLinkCommand } = await import('./commands/dashboard-link.js')
      await dashboardLinkCommand(opts)
    })
}
