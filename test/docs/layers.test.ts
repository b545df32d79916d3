// The layers' arrows live in one list (eslint.config.js LAYERS) that lint enforces and
// docs/architecture.md explains. These tests keep the arrow from silently vanishing: the rule
// really fires on a forbidden import, and every entry of the list has its line in the docs.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ESLint } from 'eslint'

const ROOT_URL = new URL('../../', import.meta.url)
const ROOT = ROOT_URL.pathname
const ARCHITECTURE = readFileSync(new URL('docs/architecture.md', ROOT_URL), 'utf8')
// The config is plain JavaScript; read through a string so TypeScript does not ask for its types.
const CONFIG: string = new URL('eslint.config.js', ROOT_URL).href
const { LAYERS } = (await import(CONFIG)) as { LAYERS: Record<string, readonly string[]> }

/** The real configuration, with only the layer rule and no type information (no file on disk). */
function layerLinter(): ESLint {
  return new ESLint({
    cwd: ROOT,
    ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
    overrideConfig: {
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { projectService: false, project: null } },
    },
  })
}

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await layerLinter().lintText(code, { filePath })
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message)
}

test('a file under src/server importing the store fails lint with the layer message', async () => {
  const errors = await layerErrors(
    'src/server/layer-probe.ts',
    "import { getAccount } from '../store/index.js'\nexport const probe = getAccount\n",
  )
  assert.equal(errors.length, 1, errors.join('\n'))
  assert.match(errors[0] ?? '', /server may not import store \(docs\/architecture\.md\)/)
})

test('a file under src/cli importing the store fails lint; one importing the broker does not', async () => {
  const store = await layerErrors(
    'src/cli/commands/layer-probe.ts',
    "import type { Store } from '../../store/index.js'\nexport type Probe = Store\n",
  )
  assert.equal(store.length, 1, store.join('\n'))
  assert.match(store[0] ?? '', /cli may not import store \(docs\/architecture\.md\)/)
  const broker = await layerErrors(
    'src/cli/commands/layer-probe.ts',
    "import { getAccount } from '../../broker/read/accounts.js'\nexport const probe = getAccount\n",
  )
  assert.deepEqual(broker, [])
})

test('docs/architecture.md lists an arrow for every LAYERS entry', () => {
  // Bullets with their continuation lines joined.
  const arrows = ARCHITECTURE.replace(/\n {2}(?=\S)/g, ' ')
    .split('\n')
    .filter((l) => l.startsWith('- `src/'))
  for (const [files, forbidden] of Object.entries(LAYERS)) {
    const folder = files.split('/')[1] ?? ''
    const line = arrows.find((l) => l.startsWith(`- \`src/${folder}\``))
    assert.ok(line, `an arrow line for src/${folder}`)
    for (const name of forbidden) {
      assert.ok(line.includes(name), `the src/${folder} line names ${name}: ${line}`)
    }
  }
})
