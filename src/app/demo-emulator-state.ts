import { existsSync, readFileSync, renameSync } from 'node:fs'
import { chmod, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { EmulatorContext, EmulatorSnapshot } from '../emulator/index.js'
import type { Keyring } from '../store/index.js'

/** The file in the data folder that holds the demo emulator's state between runs. */
export function demoEmulatorStateFile(dataDir: string): string {
  return join(dataDir, 'demo-emulator-state.json')
}

// The sealed text is bound to this purpose: it cannot be swapped with another sealed value.
const AAD = 'demo-emulator-state'
const FORMAT = 'igtoken-demo-emulator-state'

interface StateFile {
  readonly format: typeof FORMAT
  readonly keyId: string
  readonly ciphertext: string
}

/**
 * Puts the state saved by an earlier run back into the embedded emulator, so the tokens the
 * database holds are still the ones Meta (the emulator) accepts. The file is sealed with the
 * process's keyring: it holds the emulator's tokens, and tokens are sealed at rest.
 * @param emulator - the embedded emulator, freshly started
 * @param file - {@link demoEmulatorStateFile}
 * @param keyring - the keyring the database's tokens are sealed with
 * @returns false when there was nothing to restore
 * @throws when the file exists but cannot be opened or read (wrong key, damaged)
 */
export function restoreDemoEmulator(
  emulator: EmulatorContext,
  file: string,
  keyring: Keyring,
): boolean {
  if (!existsSync(file)) return false
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<StateFile>
  if (saved.format !== FORMAT || typeof saved.keyId !== 'string') {
    throw new TypeError(`${file} is not a saved demo emulator state`)
  }
  const { plaintext } = keyring.open(
    { keyId: saved.keyId, ciphertext: String(saved.ciphertext) },
    AAD,
  )
  emulator.state.restore(JSON.parse(plaintext) as EmulatorSnapshot)
  return true
}

/** What {@link persistDemoEmulator} returns. */
export interface DemoEmulatorPersistence {
  /** Writes the state now (waiting for a write in progress first). */
  flush(): Promise<void>
  /** Stops watching and writes the state one last time. */
  close(): Promise<void>
}

/**
 * Saves the embedded emulator's state into the data folder after it changes (at most once per
 * `debounceMs`) and at close. Each write goes to a temporary file that is then renamed over the
 * old one, so a crash mid-write leaves the previous state whole.
 * @param emulator - the embedded emulator (its `state` is read at each write: a reset replaces it)
 * @param options - the file, the keyring that seals it, the debounce and where failures are told
 */
export function persistDemoEmulator(
  emulator: EmulatorContext,
  options: {
    readonly file: string
    readonly keyring: Keyring
    readonly debounceMs?: number
    readonly onError?: (error: unknown) => void
  },
): DemoEmulatorPersistence {
  const { file, keyring } = options
  let timer: NodeJS.Timeout | undefined
  let writing: Promise<void> = Promise.resolve()
  const write = async () => {
    const sealed = keyring.seal(JSON.stringify(emulator.state.snapshot()), AAD)
    const body: StateFile = { format: FORMAT, keyId: sealed.keyId, ciphertext: sealed.ciphertext }
    const temp = `${file}.${String(process.pid)}.tmp`
    try {
      await writeFile(temp, JSON.stringify(body), { mode: 0o600 })
      await chmod(temp, 0o600)
      await rename(temp, file)
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
  }
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    writing = writing.then(write).catch((error: unknown) => options.onError?.(error))
    return writing
  }
  const changed = () => {
    // Unref'd: a pending save never keeps the process alive; close() writes the last state.
    timer ??= setTimeout(() => void flush(), options.debounceMs ?? 1000).unref()
  }
  const stops = [emulator.onRequestDone(changed), emulator.onClockChange(changed)]
  return {
    flush,
    async close() {
      for (const stop of stops) stop()
      await flush()
    },
  }
}

/**
 * Demo `serve`'s emulator state across restarts: restores the saved state (a file that cannot be
 * read is told to `onError` and moved aside as `*.unreadable`, and the emulator starts afresh),
 * then saves every change.
 * @param emulator - the embedded emulator, freshly started
 * @param options - the data folder, the keyring, and where failures are told
 */
export function keepDemoEmulatorState(
  emulator: EmulatorContext,
  options: {
    readonly dataDir: string
    readonly keyring: Keyring
    readonly onError?: (error: unknown) => void
  },
): DemoEmulatorPersistence {
  const file = demoEmulatorStateFile(options.dataDir)
  try {
    restoreDemoEmulator(emulator, file, options.keyring)
  } catch (error) {
    options.onError?.(error)
    renameSync(file, `${file}.unreadable`)
  }
  return persistDemoEmulator(emulator, {
    file,
    keyring: options.keyring,
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  })
}
