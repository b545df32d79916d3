// `igtoken login`'s default port is one constant (src/login-defaults.ts): the listener, the
// prompts, the help text, the redirect URI checks and the demo app's registration all read it.
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { CLI_LOGIN_REDIRECT_URIS } from '../../src/app/meta-target.js'
import { LOGIN_PORT, defaultLoginRedirectUri } from '../../src/login-defaults.js'

const SRC = new URL('../../src/', import.meta.url).pathname

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : []
  })
}

test('the login port is written once in src (the emulator, an independent Meta, aside)', () => {
  const writers = sources(SRC)
    .filter((f) => !f.startsWith(join(SRC, 'emulator')))
    .filter((f) => readFileSync(f, 'utf8').includes(String(LOGIN_PORT)))
    .map((f) => f.slice(SRC.length))
  assert.deepEqual(writers, ['login-defaults.ts'])
})

test('the demo app registers the default redirect URI in both schemes', () => {
  assert.equal(defaultLoginRedirectUri(), 'https://localhost:8443/callback')
  assert.deepEqual(
    [...CLI_LOGIN_REDIRECT_URIS],
    ['https://localhost:8443/callback', 'http://localhost:8443/callback'],
  )
})
