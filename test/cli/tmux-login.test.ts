import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { after, before, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { answerConsent } from '../helpers/consent.js'
import { BIN, freeCallback, startWorld } from './cli-process.js'
import type { CliWorld } from './cli-process.js'

const hasTmux = spawnSync('tmux', ['-V']).status === 0
const SESSION = `igtoken-login-${process.pid}`
let world: CliWorld
let callback: string

before(async () => {
  callback = await freeCallback()
  world = await startWorld([callback])
})
after(async () => {
  if (hasTmux) spawnSync('tmux', ['kill-session', '-t', SESSION])
  await world.close()
})

function pane(): string {
  return execFileSync('tmux', ['capture-pane', '-p', '-J', '-t', SESSION], { encoding: 'utf8' })
}

async function waitForPane(pattern: RegExp): Promise<RegExpExecArray> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const text = pane()
    const m = pattern.exec(text)
    if (m !== null) return m
    if (Date.now() > deadline) throw new Error(`pane never showed ${String(pattern)}:\n${text}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function keys(...k: string[]): void {
  execFileSync('tmux', ['send-keys', '-t', SESSION, ...k])
}

test(
  'igtoken login in a real terminal: every prompt answered, the secret never shown',
  { skip: !hasTmux && 'tmux is not installed' },
  async () => {
    const env = [
      `IGTOKEN_META_EMULATOR_URL=${world.env['IGTOKEN_META_EMULATOR_URL'] ?? ''}`,
      `IGTOKEN_CONFIG_DIR=${world.env['IGTOKEN_CONFIG_DIR'] ?? ''}`,
      'NO_COLOR=1',
      'TERM=xterm-256color',
    ]
    const command = `env -u IGTOKEN_APP_SECRET -u IGTOKEN_APP_ID -u DISPLAY ${env.join(' ')} ${process.execPath} ${BIN} login --redirect-uri ${callback} --no-open; echo "EXIT=$?"; sleep 60`
    execFileSync('tmux', ['new-session', '-d', '-s', SESSION, '-x', '120', '-y', '40', command])

    await waitForPane(/How does your app log in\?/)
    keys('Enter')
    await waitForPane(/App id: the Instagram app id/)
    keys('abc', 'Enter')
    await waitForPane(/digits only/)
    keys('BSpace', 'BSpace', 'BSpace', DEMO_APP.instagramAppId, 'Enter')
    await waitForPane(/Instagram app secret \(not shown/)
    keys(DEMO_APP.instagramAppSecret, 'Enter')
    await waitForPane(/Scopes to ask for/)
    keys('Enter')
    const url =
      (
        await waitForPane(/(http:\/\/127\.0\.0\.1:\d+\/www\.instagram\.com\/oauth\/authorize\S+)/)
      )[1] ?? ''
    const location = await answerConsent(url, 'allow')
    const page = await fetch(location.replace(/#.*$/, ''))
    assert.equal(page.status, 200)
    await waitForPane(/EXIT=0/)
    const text = pane()
    assert.match(text, /Signed in as @emu_business/)
    assert.match(text, /^IGAA\S+$/m)
    assert.ok(!text.includes(DEMO_APP.instagramAppSecret), 'the typed secret is masked')
  },
)
