import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

test('package.json declares the engines and entry points users rely on', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    engines: { node: string }
    bin: Record<string, string>
    exports: Record<string, unknown>
  }
  assert.equal(pkg.engines.node, '>=20.19')
  assert.equal(pkg.bin['igtoken'], './dist/cli/main.js')
  assert.ok(pkg.exports['.'])
  assert.ok(pkg.exports['./emulator'])
  assert.ok(pkg.exports['./client'], 'the SDK, igtoken/client')
})
