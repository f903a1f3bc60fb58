import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fsKeystore } from '../../../../node/platform/keystore-fs.js'
import { memoryKeystore, toBase64url } from '../../../../src/trust/index.js'
import { keystoreTests } from './keystore-suite.js'

const init = { passphrase: 'keystore pass', iterations: 1000 }

keystoreTests('files (Node)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qflow-keystore-'))
  return {
    keystore: await fsKeystore({ dir, ...init }),
    reopen: async () => await fsKeystore({ dir, ...init }),
    teardown: async () => { rmSync(dir, { recursive: true, force: true }) },
    extractableByDefault: true
  }
})

keystoreTests('memory', async () => {
  const keystore = memoryKeystore()
  return { keystore, reopen: async () => keystore, teardown: async () => {}, extractableByDefault: true }
})

describe('file keystore on disk', () => {
  it('keeps one 0600 file per identity in a 0700 directory, encrypted under the keystore passphrase', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'qflow-keystore-')), 'keys')
    try {
      const keystore = await fsKeystore({ dir, ...init })
      const alice = await keystore.create({ name: 'alice' })
      expect(statSync(dir).mode & 0o777).toBe(0o700)
      expect(readdirSync(dir)).toEqual(['alice.json'])
      expect(statSync(join(dir, 'alice.json')).mode & 0o777).toBe(0o600)
      const text = readFileSync(join(dir, 'alice.json'), 'utf8')
      expect(JSON.parse(text)).toMatchObject({ type: 'qflow-identity', id: alice.id, name: 'alice' })
      expect(text).not.toContain(toBase64url(await alice.exportSeed()))
      await expect((await fsKeystore({ dir, passphrase: 'other', iterations: 1000 })).load('alice')).rejects.toMatchObject({ name: 'WrongPassphraseError' })
    } finally { rmSync(dir, { recursive: true, force: true }) }
  })
})
