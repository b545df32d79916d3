import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Where igtoken keeps per-user files (the localhost certificate): `IGTOKEN_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/igtoken`, else `~/.config/igtoken`.
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['IGTOKEN_CONFIG_DIR']
  if (explicit !== undefined && explicit !== '') return explicit
  const xdg = env['XDG_CONFIG_HOME']
  if (xdg !== undefined && xdg !== '') return join(xdg, 'igtoken')
  return join(homedir(), '.config', 'igtoken')
}
