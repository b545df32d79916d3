import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { runCli } from '../cli/cli-process.js'

// Issue #15 item 1: a clone does not put `igtoken` on PATH, so every command a reader may paste
// must say `npx igtoken`; `--version` and a top-level example help someone find their way.

const root = new URL('../../', import.meta.url).pathname

/** Every Markdown file a reader of a clone follows: README and docs/*.md. */
function docFiles(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name))
  return ['README.md', ...docs]
}

/** Shell lines of fenced blocks (not JSON, TypeScript or HTML examples), with their line number. */
function shellLines(text: string): { line: string; n: number }[] {
  const out: { line: string; n: number }[] = []
  let fence: string | null = null
  text.split('\n').forEach((line, i) => {
    const open = /^\s*```+(\w*)/.exec(line)
    if (open) {
      fence = fence === null ? (open[1] ?? '') : null
      return
    }
    if (fence !== null && !['json', 'ts', 'js', 'typescript', 'html'].includes(fence)) {
      out.push({ line, n: i + 1 })
    }
  })
  return out
}

// A command position: the start of a line (after an optional prompt and VAR=value assignments),
// or after &&, ||, |, ; or $( — where a bare `igtoken` would fail with "command not found".
const BARE = /(?:^|&&|\|\||\||;|\$\()\s*(?:\$ )?(?:[A-Z_]+=\S*\s+)*igtoken\s/

test('no shell line in README or docs runs a bare igtoken (a clone has none on PATH)', () => {
  const offenders: string[] = []
  for (const file of docFiles()) {
    for (const { line, n } of shellLines(readFileSync(join(root, file), 'utf8'))) {
      if (BARE.test(line)) offenders.push(`${file}:${String(n)}: ${line.trim()}`)
    }
  }
  assert.deepEqual(offenders, [], 'write these as `npx igtoken …`')
})

test('the lint catches a bare igtoken (checked on made-up lines)', () => {
  const bare = ['igtoken doctor', '$ igtoken serve', 'X=1 igtoken login', 'a | igtoken refresh']
  for (const line of bare) assert.ok(BARE.test(line), line)
  for (const line of ['npx igtoken doctor', 'postgres://igtoken:pw@db/igtoken']) {
    assert.ok(!BARE.test(line), line)
  }
})

test('README and docs/cli.md say how to run igtoken from a clone', () => {
  for (const file of ['README.md', 'docs/cli.md']) {
    const text = readFileSync(join(root, file), 'utf8')
    assert.match(text, /npx igtoken/, file)
    assert.match(text, /npm link/, file)
    assert.match(text, /tarball/, file)
  }
})

test('igtoken --version prints the version of package.json', async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
  const r = await runCli(['--version'], {})
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim(), pkg.version)
})

test('igtoken --help shows examples that paste in a clone, and every example is npx igtoken', async () => {
  const top = await runCli(['--help'], {})
  assert.equal(top.code, 0, top.stderr)
  assert.match(top.stdout, /Examples/)
  assert.match(top.stdout, /npx igtoken login/)
  assert.match(top.stdout, /--version/)
  for (const command of ['serve', 'login', 'doctor', 'keys create', 'refresh', 'encryption-key']) {
    const r = await runCli([...command.split(' '), '--help'], {})
    assert.equal(r.code, 0, `${command}: ${r.stderr}`)
    const examples = r.stdout.slice(r.stdout.search(/Examples?:/))
    assert.match(examples, /npx igtoken /, command)
    for (const line of examples.split('\n')) assert.doesNotMatch(line, BARE, `${command}: ${line}`)
  }
})
