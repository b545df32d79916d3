import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { runEmulatorCommand } from '../../src/emulator/cli.js'
import { DEMO_APP } from '../../src/emulator/index.js'

test('cli: an unreadable config file is a clear error and starts nothing', async () => {
  await assert.rejects(
    runEmulatorCommand({ port: 0, configFile: '/nonexistent/emu.json', out: () => undefined }),
    /cannot read emulator config/,
  )
})

test('cli: prints URL and demo credentials, never a configured secret; stop() closes it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'emu-cli-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'emu.json')
  await writeFile(
    file,
    JSON.stringify({
      apps: [
        DEMO_APP,
        {
          ...DEMO_APP,
          name: 'Mine',
          metaAppId: '111',
          instagramAppId: '222',
          metaAppSecret: 'topsecret-meta',
          instagramAppSecret: 'topsecret-ig',
        },
      ],
      users: [{ kind: 'instagram', username: 'from_file', accountType: 'BUSINESS' }],
      config: { instagramExchangeShape: 'flat' },
    }),
  )
  const lines: string[] = []
  const { emulator, stop, stopped } = await runEmulatorCommand({
    port: 0,
    configFile: file,
    out: (l) => lines.push(l),
  })
  const text = lines.join('\n')
  assert.match(text, new RegExp(`listening on ${emulator.url.replace(/\./g, '\\.')}`))
  assert.match(text, new RegExp(DEMO_APP.instagramAppSecret))
  assert.ok(!text.includes('topsecret'))
  assert.equal((await emulator.control.apps()).length, 2)
  assert.ok((await emulator.control.users()).some((u) => u['username'] === 'from_file'))
  await stop()
  await stopped
  await assert.rejects(fetch(`${emulator.url}/_emulator/clock`))
  assert.equal(lines.at(-1), 'Meta emulator stopped')
})
