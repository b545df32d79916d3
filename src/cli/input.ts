import { createInterface } from 'node:readline'
import { EXIT } from './exit-codes.js'
import { CliError } from './output.js'

/** Reads stdin line by line, once, for secrets and pasted URLs given by a script. */
export interface LineReader {
  /** The next line, or `undefined` at the end of stdin. */
  next(): Promise<string | undefined>
  close(): void
}

let shared: LineReader | undefined

/** The process-wide stdin line reader (stdin can be read only once). */
export function stdinLines(): LineReader {
  if (shared !== undefined) return shared
  const rl = createInterface({ input: process.stdin, terminal: false })
  const buffered: string[] = []
  const waiting: ((line: string | undefined) => void)[] = []
  let ended = false
  rl.on('line', (line) => {
    const waiter = waiting.shift()
    if (waiter !== undefined) waiter(line)
    else buffered.push(line)
  })
  rl.on('close', () => {
    ended = true
    for (const waiter of waiting.splice(0)) waiter(undefined)
  })
  shared = {
    next() {
      const line = buffered.shift()
      if (line !== undefined) return Promise.resolve(line)
      if (ended) return Promise.resolve(undefined)
      return new Promise((resolve) => waiting.push(resolve))
    },
    close() {
      rl.close()
    },
  }
  return shared
}

/** A token to work on, and what the input told about it (a `login --out x.json` file says more). */
export interface TokenInput {
  readonly token: string
  readonly source: 'argument' | 'environment' | 'stdin'
  readonly issuedAt?: number
  readonly expiresAt?: number
  readonly flavor?: string
  readonly scopes?: readonly string[]
}

/**
 * Finds the token: an argument (works, but warns: arguments leak into shell history and `ps`),
 * `IGTOKEN_TOKEN`, or stdin (a bare token, or the JSON `npx igtoken login --json` printed).
 *
 * @throws {CliError} usage when there is none, or when stdin is a terminal and nothing was given
 */
export async function readTokenInput(argument: string | undefined): Promise<TokenInput> {
  if (argument !== undefined && argument !== '') {
    process.stderr.write(
      'igtoken: warning: a token given as an argument stays in your shell history and is visible to other users in the process list; pipe it on stdin or set IGTOKEN_TOKEN instead\n',
    )
    return parseTokenText(argument, 'argument')
  }
  const env = process.env['IGTOKEN_TOKEN']
  if (env !== undefined && env.trim() !== '') return parseTokenText(env, 'environment')
  if (process.stdin.isTTY) {
    throw new CliError('no token given', {
      exit: EXIT.usage,
      code: 'no_token',
      fix: 'pipe it on stdin (npx igtoken inspect < token.txt) or set IGTOKEN_TOKEN',
    })
  }
  const lines: string[] = []
  const reader = stdinLines()
  for (let line = await reader.next(); line !== undefined; line = await reader.next()) {
    lines.push(line)
  }
  const text = lines.join('\n').trim()
  if (text === '') {
    throw new CliError('no token on stdin', {
      exit: EXIT.usage,
      code: 'no_token',
      fix: 'pipe the token on stdin or set IGTOKEN_TOKEN',
    })
  }
  return parseTokenText(text, 'stdin')
}

function parseTokenText(text: string, source: TokenInput['source']): TokenInput {
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch {
      throw new CliError('the input starts with "{" but is not valid JSON', {
        exit: EXIT.usage,
        code: 'bad_token_input',
        fix: 'give the bare token, or the JSON document "npx igtoken login --json" printed',
      })
    }
    const doc = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
      string,
      unknown
    >
    const token = doc['access_token']
    if (typeof token !== 'string' || token === '') {
      throw new CliError('the JSON input has no "access_token"', {
        exit: EXIT.usage,
        code: 'bad_token_input',
        fix: 'give the bare token, or the JSON document "npx igtoken login --json" printed',
      })
    }
    const instant = (name: string): number | undefined => {
      const value = doc[name]
      if (typeof value === 'number' && Number.isFinite(value)) return value
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value)
      return undefined
    }
    const issuedAt = instant('issued_at')
    const expiresAt = instant('expires_at')
    const flavor = typeof doc['flavor'] === 'string' ? doc['flavor'] : undefined
    const rawScopes = doc['scopes']
    const scopes = Array.isArray(rawScopes)
      ? rawScopes.filter((s): s is string => typeof s === 'string')
      : typeof rawScopes === 'string'
        ? rawScopes.split(/[\s,]+/).filter(Boolean)
        : undefined
    return {
      token,
      source,
      ...(issuedAt === undefined ? {} : { issuedAt }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
      ...(flavor === undefined ? {} : { flavor }),
      ...(scopes === undefined ? {} : { scopes }),
    }
  }
  if (/\s/.test(trimmed)) {
    throw new CliError('the token contains spaces or several lines', {
      exit: EXIT.usage,
      code: 'bad_token_input',
      fix: 'give exactly one token',
    })
  }
  return { token: trimmed, source }
}
