import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, sep } from 'node:path'
import { configDir } from './config-dir.js'
import { EXIT } from './exit-codes.js'
import { CliError } from './output.js'

/**
 * Where `--out FILE` writes: a bare file name goes to the config folder (`IGTOKEN_CONFIG_DIR`, else
 * `~/.config/igtoken`, made 0700), so `--out token.json` run inside a clone never drops a live token
 * into the repository; a path with a folder (`./token.json`, `/tmp/t.json`) is used as given.
 */
export function tokenFilePath(out: string, env: NodeJS.ProcessEnv = process.env): string {
  if (out.includes('/') || out.includes(sep)) return out
  const folder = configDir(env)
  mkdirSync(folder, { recursive: true, mode: 0o700 })
  return join(folder, out)
}

/**
 * Writes a token file readable by its owner only (0600). It goes to a temporary file in the same
 * folder first and is renamed over the target, so a crash never leaves half a token, and an
 * existing file's looser mode is not inherited.
 */
export function writeTokenFile(path: string, content: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    writeFileSync(temp, content, { mode: 0o600, flag: 'wx' })
    chmodSync(temp, 0o600)
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'error'
    throw new CliError(`cannot write ${path} (${reason})`, {
      exit: EXIT.usage,
      code: 'out_file',
      fix: 'choose a file in a folder you can write to',
    })
  }
}

/** The file's content: the JSON document for a `.json` file, else the bare token and a newline. */
export function tokenFileContent(path: string, token: string, document: unknown): string {
  return path.endsWith('.json') ? `${JSON.stringify(document, null, 2)}\n` : `${token}\n`
}
