import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

const ROOT = new URL('../../', import.meta.url).pathname
const BIN = join(ROOT, 'dist/cli/main.js')
// The demo's default addresses, as the docs write them; the test's service has its own ports.
const DEMO_SERVICE = 'http://127.0.0.1:8787'
const DEMO_EMULATOR = 'http://127.0.0.1:8788'

/** A fenced block marked to be run by this test: ```` ```sh runnable ````. */
interface Block {
  readonly where: string
  readonly script: string
}

/** Every `sh runnable` block of README.md and docs/*.md, with its file and line. */
function runnableBlocks(): Block[] {
  const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))]
  const blocks: Block[] = []
  for (const file of files) {
    const path = file === 'README.md' ? join(ROOT, file) : join(ROOT, 'docs', file)
    const lines = readFileSync(path, 'utf8').split('\n')
    for (let i = 0; i < lines.length; i++) {
      const open = /^(\s*)```sh runnable\s*$/.exec(lines[i] ?? '')
      if (open === null) continue
      const body: string[] = []
      let j = i + 1
      for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? ''); j++) body.push(lines[j] ?? '')
      blocks.push({
        where: `${file === 'README.md' ? file : `docs/${file}`}:${i + 1}`,
        script: body.join('\n'),
      })
      i = j
    }
  }
  return blocks
}

function run(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  // -e and pipefail: a block passes only if every command in it succeeds.
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    }),
  )
}

describe('every shell block of the docs marked runnable runs against the demo (#15 item 6)', () => {
  let svc: TestService
  let home: string
  const env: Record<string, string> = {}

  before(async () => {
    assert.ok(readFileSync(BIN, 'utf8').length > 0, 'npm run build first')
    svc = await startTestService()
    home = mkdtempSync(join(tmpdir(), 'igtoken-docs-'))
    // `npx igtoken` in a clone runs the clone's own bin (package.json "bin"); npm's lookup costs
    // seconds a block on a busy machine, so a shim ahead on PATH runs that same file directly.
    writeFileSync(
      join(home, 'npx'),
      `#!/bin/sh\nif [ "$1" = igtoken ]; then shift; exec "${process.execPath}" "${BIN}" "$@"; fi\n` +
        `echo "the docs test runs only npx igtoken, not npx $1" >&2; exit 127\n`,
    )
    chmodSync(join(home, 'npx'), 0o755)
    Object.assign(env, {
      PATH: `${home}:${process.env['PATH'] ?? ''}`,
      // A reader's shell after `npm start`: the CLI finds the demo's data folder.
      IGTOKEN: svc.url,
      IGTOKEN_DATA_DIR: svc.dataDir,
      IGTOKEN_DEMO: 'true',
      // Whatever a block writes to the config folder lands in the temp folder.
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
    })
  })
  after(async () => {
    await svc.close()
    rmSync(home, { recursive: true, force: true })
  })

  test('the blocks are found, and each exits 0', async () => {
    const blocks = runnableBlocks()
    assert.ok(blocks.length >= 4, `${blocks.length} runnable blocks`)
    const failures: string[] = []
    for (const block of blocks) {
      // The docs name the demo's default ports; this service listens on free ones.
      const script = block.script
        .replaceAll(DEMO_SERVICE, svc.url)
        .replaceAll(DEMO_EMULATOR, svc.emulatorUrl)
      const { code, output } = await run(script, home, env)
      if (code !== 0) failures.push(`${block.where} exited ${String(code)}:\n${output}`)
    }
    assert.deepEqual(failures, [])
  })
})
