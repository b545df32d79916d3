import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { authorizationUrlOf, freeCallback, startCli, startWorld } from '../cli/cli-process.js'
import { answerConsent } from '../helpers/consent.js'

// Issue #15 item 11: `--out token.json` inside a clone must not drop a live token into it.

const root = new URL('../../', import.meta.url).pathname

test('login --out token.json writes to the config folder (0600), not the working folder', async () => {
  const callback = await freeCallback()
  const world = await startWorld([callback])
  const clone = mkdtempSync(join(tmpdir(), 'igtoken-clone-'))
  try {
    const args = ['login', '--app-id', DEMO_APP.instagramAppId, '--redirect-uri', callback]
    const cli = startCli([...args, '--no-open', '--paste', '--out', 'token.json'], world.env, {
      cwd: clone,
    })
    cli.write(`${await answerConsent(await authorizationUrlOf(cli), 'allow')}\n`)
    cli.endInput()
    const r = await cli.exited
    assert.equal(r.code, 0, r.stderr)
    const written = join(world.env['IGTOKEN_CONFIG_DIR'] ?? '', 'token.json')
    assert.equal(existsSync(join(clone, 'token.json')), false, 'nothing in the clone')
    assert.equal(statSync(written).mode & 0o777, 0o600)
    assert.ok(r.stderr.includes(written), 'says where it went')
    const doc = JSON.parse(readFileSync(written, 'utf8')) as { access_token?: string }
    assert.ok((doc.access_token ?? '').length > 10)
  } finally {
    rmSync(clone, { recursive: true, force: true })
    await world.close()
  }
})

test('git and prettier ignore token files and .env in the clone', () => {
  for (const name of ['token.json', 'shop.token.json', '.env']) {
    const git = spawnSync('git', ['check-ignore', '-q', '--no-index', name], { cwd: root })
    assert.equal(git.status, 0, `.gitignore ignores ${name}`)
  }
  const ignore = readFileSync(join(root, '.prettierignore'), 'utf8').split('\n')
  for (const pattern of ['token.json', '*.token.json', '.env']) assert.ok(ignore.includes(pattern))
  // Checked by prettier itself: a badly formatted token.json in the repo is not its business.
  const probe = join(root, 'token.json')
  writeFileSync(probe, '{"access_token":   "x"}')
  try {
    const r = spawnSync(
      process.execPath,
      [join(root, 'node_modules/prettier/bin/prettier.cjs'), '--check', 'token.json'],
      { cwd: root, encoding: 'utf8' },
    )
    assert.equal(r.status, 0, r.stdout + r.stderr)
  } finally {
    rmSync(probe, { force: true })
  }
})
