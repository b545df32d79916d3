import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseEnv } from 'node:util'
import { after, before, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { BIN, startWorld } from '../cli/cli-process.js'
import type { CliWorld } from '../cli/cli-process.js'

// Issue #15 item 2, as a person does it: `igtoken init` in a real terminal, every value typed.

const hasTmux = spawnSync('tmux', ['-V']).status === 0
const SESSION = `igtoken-init-${process.pid}`
const PUBLIC_URL = 'https://tokens.example.com'
let world: CliWorld

before(async () => {
  world = await startWorld([`${PUBLIC_URL}/callback`])
})
after(async () => {
  if (hasTmux) spawnSync('tmux', ['kill-session', '-t', SESSION])
  await world.close()
})

function pane(): string {
  return execFileSync('tmux', ['capture-pane', '-p', '-J', '-t', SESSION], { encoding: 'utf8' })
}

async function waitForPane(pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const text = pane()
    if (pattern.test(text)) return
    if (Date.now() > deadline) throw new Error(`pane never showed ${String(pattern)}:\n${text}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function keys(...k: string[]): void {
  execFileSync('tmux', ['send-keys', '-t', SESSION, ...k])
}

test(
  'igtoken init in a real terminal: prompts answered, secrets masked, .env written 0600',
  { skip: !hasTmux && 'tmux is not installed' },
  async () => {
    const dir = join(world.dir, 'typed')
    mkdirSync(dir)
    const env = [
      `IGTOKEN_META_EMULATOR_URL=${world.env['IGTOKEN_META_EMULATOR_URL'] ?? ''}`,
      'NO_COLOR=1',
      'TERM=xterm-256color',
    ]
    const unset =
      '-u IGTOKEN_APP_SECRET -u IGTOKEN_APP_ID -u IGTOKEN_FLAVOR -u IGTOKEN_ADMIN_PASSWORD -u IGTOKEN_META_APP_SECRET'
    const command = `cd ${dir} && env ${unset} ${env.join(' ')} ${process.execPath} ${BIN} init; echo "EXIT=$?"; sleep 60`
    execFileSync('tmux', ['new-session', '-d', '-s', SESSION, '-x', '140', '-y', '50', command])

    await waitForPane(/How does your app log in\?/)
    keys('Enter')
    await waitForPane(/App id: the Instagram app id/)
    keys(DEMO_APP.instagramAppId, 'Enter')
    await waitForPane(/Instagram app secret, beside the Instagram app id/)
    keys(DEMO_APP.instagramAppSecret, 'Enter')
    await waitForPane(/Public HTTPS address/)
    keys('http://tokens.example.com', 'Enter')
    await waitForPane(/an https:\/\/ address/)
    keys('C-u', PUBLIC_URL, 'Enter')
    await waitForPane(/Meta app secret/)
    keys('the-meta-app-secret', 'Enter')
    await waitForPane(/Dashboard password/)
    keys('a-typed-dashboard-password', 'Enter')
    await waitForPane(/EXIT=0/)
    const text = pane()
    assert.match(text, /Wrote .*\.env/)
    for (const secret of [
      DEMO_APP.instagramAppSecret,
      'the-meta-app-secret',
      'a-typed-dashboard',
    ]) {
      assert.ok(!text.includes(secret), 'typed secrets are masked')
    }
    const file = join(dir, '.env')
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const parsed = parseEnv(readFileSync(file, 'utf8'))
    assert.equal(parsed['IGTOKEN_APP_ID'], DEMO_APP.instagramAppId)
    assert.equal(parsed['IGTOKEN_APP_SECRET'], DEMO_APP.instagramAppSecret)
    assert.equal(parsed['IGTOKEN_PUBLIC_URL'], PUBLIC_URL)
    assert.equal(parsed['IGTOKEN_ADMIN_PASSWORD'], 'a-typed-dashboard-password')
  },
)
