import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEMO_APP, startEmulator } from '../../src/emulator/index.js'
import type { RunningEmulator } from '../../src/emulator/index.js'
import { freePort } from '../helpers/ports.js'

/** The built binary (the test command builds before testing). */
export const BIN = new URL('../../dist/cli/main.js', import.meta.url).pathname

/** A running `igtoken` child whose output can be awaited as it comes. */
export interface CliProcess {
  stdout(): string
  stderr(): string
  /** Resolves with the first match of `pattern` in stderr (rejects after 15 s). */
  waitForStderr(pattern: RegExp): Promise<RegExpExecArray>
  write(text: string): void
  endInput(): void
  kill(signal?: NodeJS.Signals): void
  readonly exited: Promise<{ code: number | null; stdout: string; stderr: string }>
}

/**
 * Starts the binary with only the variables given (plus PATH/HOME), so the developer's own
 * IGTOKEN_* settings never leak into a test; the working folder has no `.env`.
 */
export function startCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { cwd?: string } = {},
): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? tmpdir(),
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = []
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.pattern.exec(stderr)
      if (m !== null) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(m)
      }
    }
  }
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    check()
  })
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      resolve({ code, stdout, stderr })
    })
  })
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStderr(pattern) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`timed out waiting for ${String(pattern)}; stderr:\n${stderr}`))
        }, 15_000)
        waiters.push({
          pattern,
          resolve: (m) => {
            clearTimeout(timer)
            resolve(m)
          },
        })
        check()
        void exited.then(() => {
          clearTimeout(timer)
          const m = pattern.exec(stderr)
          if (m !== null) resolve(m)
          else reject(new Error(`exited before ${String(pattern)}; stderr:\n${stderr}`))
        })
      })
    },
    write(text) {
      child.stdin.write(text)
    },
    endInput() {
      child.stdin.end()
    },
    kill(signal = 'SIGTERM') {
      child.kill(signal)
    },
    exited,
  }
}

/** Runs the binary to completion with `input` on stdin. */
export async function runCli(
  args: readonly string[],
  env: Record<string, string>,
  input = '',
  options: { cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(args, env, options)
  cli.write(input)
  cli.endInput()
  return cli.exited
}

/** An emulator whose demo app registers the given redirect URIs, and a scratch folder. */
export interface CliWorld {
  readonly emulator: RunningEmulator
  readonly dir: string
  /** Variables for a login against the emulator with the Instagram app id and secret. */
  readonly env: Record<string, string>
  close(): Promise<void>
}

/** Starts an emulator for CLI tests; `redirectUris` are registered for the demo app. */
export async function startWorld(redirectUris: readonly string[]): Promise<CliWorld> {
  const emulator = await startEmulator({
    port: 0,
    apps: [{ ...DEMO_APP, redirectUris: [...redirectUris] }],
  })
  const dir = mkdtempSync(join(tmpdir(), 'igtoken-cli-'))
  return {
    emulator,
    dir,
    env: {
      IGTOKEN_META_EMULATOR_URL: emulator.url,
      IGTOKEN_APP_SECRET: DEMO_APP.instagramAppSecret,
      IGTOKEN_CONFIG_DIR: join(dir, 'config'),
      IGTOKEN_DATA_DIR: join(dir, 'data'),
    },
    async close() {
      await emulator.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A free loopback callback URI (`http://127.0.0.1:PORT/callback`). */
export async function freeCallback(scheme: 'http' | 'https' = 'http'): Promise<string> {
  return `${scheme}://${scheme === 'https' ? 'localhost' : '127.0.0.1'}:${await freePort()}/callback`
}

/** The authorization URL igtoken printed. */
export async function authorizationUrlOf(cli: CliProcess): Promise<string> {
  const m = await cli.waitForStderr(/^ {2}(http:\/\/127\.0\.0\.1:\d+\/www\.\S+)$/m)
  return m[1] ?? ''
}
