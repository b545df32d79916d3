import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { openStore } from '../../src/store/index.js'
import { startTestService } from '../helpers/service.js'

const mode = (path: string): number => statSync(path).mode & 0o777

// The data folder holds sealed tokens and, in demo mode, the key that opens them: nobody but the
// service's user may read it. Checked with a permissive umask, so the code (not the umask) decides.
describe('data folder 0700, database files 0600', () => {
  const root = mkdtempSync(join(tmpdir(), 'igtoken-perms-'))
  const umask = process.umask(0)
  after(() => {
    process.umask(umask)
    rmSync(root, { recursive: true, force: true })
  })

  async function startAndWrite(dataDir: string): Promise<void> {
    const svc = await startTestService({ IGTOKEN_DATA_DIR: dataDir })
    try {
      // A write, so SQLite has made its -wal and -shm files.
      await svc.apiKey('perms')
      for (const file of ['igtoken.db-wal', 'igtoken.db-shm']) {
        assert.ok(existsSync(join(dataDir, file)), `${file} exists while running`)
      }
      assertPrivate(dataDir)
    } finally {
      await svc.close()
    }
  }

  function assertPrivate(dataDir: string): void {
    assert.equal(mode(dataDir).toString(8), '700')
    for (const file of ['igtoken.db', 'igtoken.db-wal', 'igtoken.db-shm', 'demo-encryption-key']) {
      const path = join(dataDir, file)
      if (existsSync(path)) assert.equal(mode(path).toString(8), '600', file)
    }
    assert.ok(existsSync(join(dataDir, 'demo-encryption-key')))
  }

  test('a first start creates the folder 0700 and every database file 0600', async () => {
    const dataDir = join(root, 'fresh', 'nested', 'data')
    await startAndWrite(dataDir)
    assert.equal(mode(join(root, 'fresh', 'nested')).toString(8), '700')
  })

  test('a folder and files an earlier version left open are narrowed at start', async () => {
    const dataDir = join(root, 'older')
    mkdirSync(dataDir)
    const store = await openStore(`sqlite:${join(dataDir, 'igtoken.db')}`)
    await store.close()
    chmodSync(dataDir, 0o755)
    chmodSync(join(dataDir, 'igtoken.db'), 0o644)
    assert.equal(mode(join(dataDir, 'igtoken.db')).toString(8), '644')
    await startAndWrite(dataDir)
  })
})
