#!/usr/bin/env node
import { Command, CommanderError } from 'commander'
import { EXIT } from './exit-codes.js'
import { reportError } from './output.js'

// Each action imports its module only when it runs, so `igtoken --help` loads no database driver,
// server or browser code.
const program = new Command()
  .name('igtoken')
  .description(
    'Instagram access-token broker: connect accounts, keep their tokens alive, serve them.',
  )
  .showHelpAfterError()
  .exitOverride()

program
  .command('serve')
  .description('run the service (demo mode with an embedded emulator when IGTOKEN_APP_ID is unset)')
  .addHelpText('after', '\nExample:\n  IGTOKEN_PORT=8787 igtoken serve')
  .action(async () => {
    const { serveCommand } = await import('./commands/serve.js')
    await serveCommand()
  })

program
  .command('emulator')
  .description("run Meta's emulator alone (OAuth and Graph endpoints, offline)")
  .option('--port <port>', 'port to listen on', '8788')
  .option('--config <file>', 'JSON file with apps, users and settings')
  .addHelpText('after', '\nExample:\n  igtoken emulator --port 8788')
  .action(async (opts: { port: string; config?: string }) => {
    const { emulatorCommand } = await import('./commands/emulator.js')
    await emulatorCommand(opts)
  })

const keys = program.command('keys').description('API keys for apps that read tokens')
keys
  .command('create')
  .description('create an API key; it is printed once')
  .requiredOption('--name <name>', 'who will use the key')
  .option('--json', 'print {"id","key"} as JSON')
  .addHelpText('after', '\nExample:\n  igtoken keys create --name website --json')
  .action(async (opts: { name: string; json?: boolean }) => {
    const { keysCreateCommand } = await import('./commands/keys.js')
    await keysCreateCommand(opts)
  })
keys
  .command('list')
  .description('list API keys (never the keys themselves)')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  igtoken keys list --json')
  .action(async (opts: { json?: boolean }) => {
    const { keysListCommand } = await import('./commands/keys.js')
    await keysListCommand(opts)
  })
keys
  .command('revoke')
  .description('revoke an API key')
  .argument('<id>', 'the key id shown by "keys list"')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  igtoken keys revoke key_abc123')
  .action(async (id: string, opts: { json?: boolean }) => {
    const { keysRevokeCommand } = await import('./commands/keys.js')
    await keysRevokeCommand(id, opts)
  })

program
  .command('encryption-key')
  .description('print a new encryption key for IGTOKEN_ENCRYPTION_KEYS')
  .addHelpText(
    'after',
    '\nExample:\n  echo "IGTOKEN_ENCRYPTION_KEYS=$(igtoken encryption-key)" >> .env',
  )
  .action(async () => {
    const { encryptionKeyCommand } = await import('./commands/encryption-key.js')
    encryptionKeyCommand()
  })

program
  .command('rotate-keys')
  .description('re-encrypt every stored secret under the first key of IGTOKEN_ENCRYPTION_KEYS')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  IGTOKEN_ENCRYPTION_KEYS=new:…,old:… igtoken rotate-keys')
  .action(async (opts: { json?: boolean }) => {
    const { rotateKeysCommand } = await import('./commands/rotate-keys.js')
    await rotateKeysCommand(opts)
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
    '\nExample:\n  openssl rand -hex 32 | igtoken webhooks add https://example.com/hooks --secret -',
  )
  .action(async (url: string, opts: { secret?: string; events?: string; json?: boolean }) => {
    const { webhooksAddCommand } = await import('./commands/webhooks.js')
    await webhooksAddCommand(url, opts)
  })
webhooks
  .command('list')
  .description('list subscribers (never their secrets)')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  igtoken webhooks list --json')
  .action(async (opts: { json?: boolean }) => {
    const { webhooksListCommand } = await import('./commands/webhooks.js')
    await webhooksListCommand(opts)
  })
webhooks
  .command('remove')
  .description('remove a subscriber and its deliveries')
  .argument('<id>', 'the subscriber id shown by "webhooks list"')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  igtoken webhooks remove whk_abc123')
  .action(async (id: string, opts: { json?: boolean }) => {
    const { webhooksRemoveCommand } = await import('./commands/webhooks.js')
    await webhooksRemoveCommand(id, opts)
  })

program
  .command('worker')
  .description(
    'refresh tokens and deliver webhooks without serving HTTP (run several against one database)',
  )
  .option('--once', 'run one round and exit (prints a summary)')
  .addHelpText('after', '\nExample:\n  IGTOKEN_REFRESH_CONCURRENCY=50 igtoken worker')
  .action(async (opts: { once?: boolean }) => {
    const { workerCommand } = await import('./commands/worker.js')
    await workerCommand(opts)
  })

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed help or the usage problem.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage
  } else {
    process.exitCode = reportError(error)
  }
}
