#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { defaultLoginRedirectUri } from '../login-defaults.js'
import { EXIT } from './exit-codes.js'
import { registerLinksCommands } from './links-program.js'
import { reportError } from './output.js'
import type { LoginOptions } from './commands/login.js'
import type { RefreshOptions } from './commands/refresh.js'
import { registerSetupCommands } from './setup-commands.js'

/** The version in package.json (two folders up from both src/cli and dist/cli). */
function packageVersion(): string {
  const raw = readFileSync(new URL('../../package.json', import.meta.url), 'utf8')
  return (JSON.parse(raw) as { version: string }).version
}

// Each action imports its module only when it runs, so `igtoken --help` loads no database driver,
// server or browser code.
const program = new Command()
  .name('igtoken')
  .description(
    'Instagram access-token broker: connect accounts, keep their tokens alive, serve them.',
  )
  .version(packageVersion(), '-V, --version', 'print the version of igtoken')
  .showHelpAfterError()
  .exitOverride()
  .addHelpText(
    'after',
    [
      '',
      'Examples (in a clone, "npx igtoken"; after npm install -g or npm link, plain "igtoken"):',
      '  npm start                                   # the demo: service plus offline Meta',
      '  npx igtoken login                           # a token for your own account',
      '  npx igtoken keys create --name website      # an API key for an app',
      '  npx igtoken doctor && npx igtoken serve     # check a real configuration, then run it',
      '',
      'Every command has its own --help, with an example.',
    ].join('\n'),
  )

program
  .command('serve')
  .description('run the service (demo mode with an embedded emulator when IGTOKEN_APP_ID is unset)')
  .addHelpText('after', '\nExample:\n  IGTOKEN_PORT=8787 npx igtoken serve')
  .action(async () => {
    const { serveCommand } = await import('./commands/serve.js')
    await serveCommand()
  })

program
  .command('emulator')
  .description("run Meta's emulator alone (OAuth and Graph endpoints, offline)")
  .option('--port <port>', 'port to listen on', '8788')
  .option('--config <file>', 'JSON file with apps, users and settings')
  .addHelpText('after', '\nExample:\n  npx igtoken emulator --port 8788')
  .action(async (opts: { port: string; config?: string }) => {
    const { emulatorCommand } = await import('./commands/emulator.js')
    await emulatorCommand(opts)
  })

const keys = program.command('keys').description('API keys for apps that read tokens')
keys
  .command('create')
  .description('create an API key; it is printed once')
  .requiredOption('--name <name>', 'who will use the key')
  .option(
    '--scope <scope>',
    'what the key may do, repeatable or comma-separated (default: every scope): tokens:read, graph:read, graph:write, accounts:manage, webhooks:manage, links:manage',
    (value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(',')],
  )
  .option('--json', 'print {"id","key","scopes"} as JSON')
  .addHelpText(
    'after',
    '\nExamples:\n  npx igtoken keys create --name website --scope graph:read --json\n  npx igtoken keys create --name backend --scope tokens:read,graph:write',
  )
  .action(async (opts: { name: string; scope?: string[]; json?: boolean }) => {
    const { keysCreateCommand } = await import('./commands/keys.js')
    await keysCreateCommand(opts)
  })
keys
  .command('list')
  .description('list API keys (never the keys themselves)')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  npx igtoken keys list --json')
  .action(async (opts: { json?: boolean }) => {
    const { keysListCommand } = await import('./commands/keys.js')
    await keysListCommand(opts)
  })
keys
  .command('revoke')
  .description('revoke an API key')
  .argument('<id>', 'the key id shown by "keys list"')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  npx igtoken keys revoke key_abc123')
  .action(async (id: string, opts: { json?: boolean }) => {
    const { keysRevokeCommand } = await import('./commands/keys.js')
    await keysRevokeCommand(id, opts)
  })

registerLinksCommands(program)

program
  .command('encryption-key')
  .description('print a new encryption key for IGTOKEN_ENCRYPTION_KEYS')
  .addHelpText(
    'after',
    '\nExample:\n  echo "IGTOKEN_ENCRYPTION_KEYS=$(npx igtoken encryption-key)" >> .env',
  )
  .action(async () => {
    const { encryptionKeyCommand } = await import('./commands/encryption-key.js')
    encryptionKeyCommand()
  })

program
  .command('rotate-keys')
  .description('re-encrypt every stored secret under the first key of IGTOKEN_ENCRYPTION_KEYS')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  IGTOKEN_ENCRYPTION_KEYS=new:…,old:… npx igtoken rotate-keys')
  .action(async (opts: { json?: boolean }) => {
    const { rotateKeysCommand } = await import('./commands/rotate-keys.js')
    await rotateKeysCommand(opts)
  })

program
  .command('login')
  .description('get a long-lived token for your own account: sign in once in the browser')
  .option(
    '--flavor <flavor>',
    'instagram-login, facebook-login or basic-display (env IGTOKEN_FLAVOR)',
  )
  .option(
    '--app-id <id>',
    'the Instagram app id (env IGTOKEN_APP_ID); the secret comes from IGTOKEN_APP_SECRET, stdin or a prompt',
  )
  .option('--scopes <list>', 'comma-separated scopes (env IGTOKEN_SCOPES)')
  .option('--redirect-uri <uri>', 'the redirect URI registered for the app')
  .option(
    '--http',
    `listen on ${defaultLoginRedirectUri('http')} instead of https (only where Meta allows it)`,
  )
  .option('--no-open', 'print the address, do not open a browser')
  .option('--paste', 'do not listen: paste the address the browser lands on')
  .option('--save', "store the token in the service's database (same encryption)")
  .option('--label <label>', 'label of the saved account (with --save)')
  .option(
    '--out <file>',
    'write the token to FILE with mode 0600 (JSON when FILE ends in .json); a bare name goes to the config folder',
  )
  .option('--timeout <minutes>', 'give up waiting for the redirect after this long', '10')
  .option('--json', 'print the result as JSON')
  .addHelpText(
    'after',
    '\nExamples:\n  npx igtoken login\n  IGTOKEN_APP_SECRET=… npx igtoken login --app-id 1234567890 --out token.json\n  npx igtoken login --paste            # over SSH: paste the address the browser lands on',
  )
  .action(async (opts: LoginOptions) => {
    const { loginCommand } = await import('./commands/login.js')
    await loginCommand(opts)
  })

program
  .command('inspect')
  .description('is this token valid, whose is it, when does it expire, can it be refreshed now')
  .argument('[token]', 'the token (better: stdin or IGTOKEN_TOKEN; arguments leak into history)')
  .option('--flavor <flavor>', 'the flavor the token comes from (guessed from its prefix)')
  .option('--json', 'print JSON')
  .addHelpText(
    'after',
    '\nExamples:\n  npx igtoken inspect < token.json\n  IGTOKEN_TOKEN=IGAA… npx igtoken inspect --json',
  )
  .action(async (token: string | undefined, opts: { flavor?: string; json?: boolean }) => {
    const { inspectCommand } = await import('./commands/inspect.js')
    await inspectCommand(token, opts)
  })

program
  .command('refresh')
  .description('trade a long-lived Instagram token for a fresh one (60 more days)')
  .argument('[token]', 'the token (better: stdin or IGTOKEN_TOKEN; arguments leak into history)')
  .option('--flavor <flavor>', 'instagram-login (default) or basic-display')
  .option(
    '--out <file>',
    'write the new token to FILE with mode 0600 (JSON when FILE ends in .json)',
  )
  .option('--force', 'call Meta even when the known times say it will refuse')
  .option('--json', 'print JSON')
  .addHelpText(
    'after',
    '\nExamples:\n  npx igtoken refresh < token.txt > new-token.txt\n  npx igtoken refresh --out token.json < ~/.config/igtoken/token.json',
  )
  .action(async (token: string | undefined, opts: RefreshOptions) => {
    const { refreshCommand } = await import('./commands/refresh.js')
    await refreshCommand(token, opts)
  })

const accounts = program.command('accounts').description("the accounts in the service's database")
accounts
  .command('list')
  .description('list accounts (never their tokens)')
  .option('--status <status>', 'only active, needs_reauth, revoked or expired')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  npx igtoken accounts list --status needs_reauth')
  .action(async (opts: { status?: string; json?: boolean }) => {
    const { accountsListCommand } = await import('./commands/accounts.js')
    await accountsListCommand(opts)
  })
accounts
  .command('show')
  .description('one account in detail')
  .argument('<id>', 'the account id (acc_…)')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  npx igtoken accounts show acc_01h… --json')
  .action(async (id: string, opts: { json?: boolean }) => {
    const { accountsShowCommand } = await import('./commands/accounts.js')
    await accountsShowCommand(id, opts)
  })
accounts
  .command('refresh')
  .description("refresh accounts' tokens now (Ctrl-C stops cleanly after the account in hand)")
  .argument('[ids...]', 'account ids')
  .option('--all', 'every active account')
  .option('--json', 'print JSON')
  .addHelpText(
    'after',
    '\nExamples:\n  npx igtoken accounts refresh acc_01h…\n  npx igtoken accounts refresh --all',
  )
  .action(async (ids: string[], opts: { all?: boolean; json?: boolean }) => {
    const { accountsRefreshCommand } = await import('./commands/accounts.js')
    await accountsRefreshCommand(ids, opts)
  })
accounts
  .command('delete')
  .description('delete an account and its tokens (its events stay)')
  .argument('<id>', 'the account id')
  .option('--yes', 'do not ask (required when not on a terminal)')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  npx igtoken accounts delete acc_01h… --yes')
  .action(async (id: string, opts: { yes?: boolean; json?: boolean }) => {
    const { accountsDeleteCommand } = await import('./commands/accounts.js')
    await accountsDeleteCommand(id, opts)
  })

program
  .command('doctor')
  .description('check the configuration before going live; exit 1 when a check fails')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  npx igtoken doctor && npx igtoken serve')
  .action(async (opts: { json?: boolean }) => {
    const { doctorCommand } = await import('./commands/doctor.js')
    await doctorCommand(opts)
  })

const webhooks = program
  .command('webhooks')
  .description(
    'subscribers that receive signed igtoken events (token.refreshed, account.needs_reauth, …)',
  )
webhooks
  .command('add')
  .description('add a subscriber; every delivery is signed with its secret')
  .argument('<url>', 'where to POST events (https:// when the service is public over https)')
  .option('--secret <secret>', 'signing secret, 16–512 characters ("-" reads it from stdin)')
  .option('--events <list>', 'comma-separated event types, or "*" for all', '*')
  .option('--json', 'print JSON')
  .addHelpText(
    'after',
    '\nExample:\n  openssl rand -hex 32 | npx igtoken webhooks add https://example.com/hooks --secret -',
  )
  .action(async (url: string, opts: { secret?: string; events?: string; json?: boolean }) => {
    const { webhooksAddCommand } = await import('./commands/webhooks.js')
    await webhooksAddCommand(url, opts)
  })
webhooks
  .command('list')
  .description('list subscribers (never their secrets)')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  npx igtoken webhooks list --json')
  .action(async (opts: { json?: boolean }) => {
    const { webhooksListCommand } = await import('./commands/webhooks.js')
    await webhooksListCommand(opts)
  })
webhooks
  .command('remove')
  .description('remove a subscriber and its deliveries')
  .argument('<id>', 'the subscriber id shown by "webhooks list"')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  npx igtoken webhooks remove whk_abc123')
  .action(async (id: string, opts: { json?: boolean }) => {
    const { webhooksRemoveCommand } = await import('./commands/webhooks.js')
    await webhooksRemoveCommand(id, opts)
  })

const feeds = program
  .command('feeds')
  .description("public JSON feeds of an account's latest media, without handing out its token")
feeds
  .command('add')
  .description('publish a feed at a random, unguessable URL (printed)')
  .requiredOption('--account <id>', 'the account id shown by "accounts list"')
  .option('--limit <n>', 'media items, 1–100 (default IGTOKEN_FEED_ITEMS)')
  .option(
    '--origin <origin>',
    'a website allowed to read it from a browser (repeat for several)',
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  )
  .option('--label <text>', 'a note for operators')
  .option('--json', 'print JSON')
  .addHelpText(
    'after',
    '\nExample:\n  npx igtoken feeds add --account acc_abc123 --origin https://www.example.com --limit 9',
  )
  .action(
    async (opts: {
      account: string
      limit?: string
      origin?: string[]
      label?: string
      json?: boolean
    }) => {
      const { feedsAddCommand } = await import('./commands/feeds.js')
      await feedsAddCommand(opts)
    },
  )
feeds
  .command('list')
  .description('list published feeds')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  npx igtoken feeds list --json')
  .action(async (opts: { json?: boolean }) => {
    const { feedsListCommand } = await import('./commands/feeds.js')
    await feedsListCommand(opts)
  })
feeds
  .command('remove')
  .description('unpublish a feed; its URL answers 404 from then on')
  .argument('<id>', 'the feed id shown by "feeds list"')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  npx igtoken feeds remove feed_abc123')
  .action(async (id: string, opts: { json?: boolean }) => {
    const { feedsRemoveCommand } = await import('./commands/feeds.js')
    await feedsRemoveCommand(id, opts)
  })

program
  .command('worker')
  .description(
    'refresh tokens and deliver webhooks without serving HTTP (run several against one database)',
  )
  .option('--once', 'run one round and exit (prints a summary)')
  .addHelpText('after', '\nExample:\n  IGTOKEN_REFRESH_CONCURRENCY=50 npx igtoken worker')
  .action(async (opts: { once?: boolean }) => {
    const { workerCommand } = await import('./commands/worker.js')
    await workerCommand(opts)
  })

program
  .command('migrate')
  .description('copy every account, token (still encrypted), key and event to another database')
  .requiredOption('--from <url>', 'source database: sqlite:<path> or postgres://…')
  .requiredOption('--to <url>', 'target database, migrated and empty (see --force)')
  .option('--force', 'copy into a target that has rows: same ids are overwritten, others kept')
  .option('--skip-connect-attempts', 'leave out sign-ins in progress')
  .option('--json', 'print the per-table counts as JSON')
  .addHelpText(
    'after',
    '\nStop every igtoken process first. Example:\n  npx igtoken migrate --from sqlite:./data/igtoken.db --to postgres://igtoken@db/igtoken',
  )
  .action(
    async (opts: {
      from: string
      to: string
      force?: boolean
      skipConnectAttempts?: boolean
      json?: boolean
    }) => {
      const { migrateCommand } = await import('./commands/migrate.js')
      await migrateCommand(opts)
    },
  )

registerSetupCommands(program)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed help or the usage problem.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage
  } else {
    process.exitCode = reportError(error, { json: process.argv.includes('--json') })
  }
}
