import { describe, expect, it } from 'vitest'
import { createIdentity, exportKeyFile, importKeyFile, parseKeyFile, toBase64url, fromBase64url } from '../../../../src/trust/index.js'

const fast = { iterations: 1000 }

describe('key files', () => {
  it('round-trips an identity under a passphrase (PBKDF2 and scrypt)', async () => {
    const alice = await createIdentity({ name: 'alice' })
    for (const options of [fast, { kdf: 'scrypt' as const, scrypt: { N: 1024, r: 8, p: 1 } }]) {
      const file = JSON.parse(JSON.stringify(await exportKeyFile(alice, 'correct horse', { ...options, createdAt: 1 })))
      expect(file).toMatchObject({ type: 'qflow-identity', v: 1, id: alice.id, name: 'alice', createdAt: 1, cipher: { name: 'aes-256-gcm' } })
      expect(JSON.stringify(file)).not.toContain(toBase64url(await alice.exportSeed()))
      const again = await importKeyFile(file, 'correct horse')
      expect(again.id).toBe(alice.id)
      expect(again.name).toBe('alice')
      expect(await again.exportSeed()).toEqual(await alice.exportSeed())
    }
  })

  it('refuses a wrong passphrase and a tampered file', async () => {
    const file = await exportKeyFile(await createIdentity(), 'right', fast)
    await expect(importKeyFile(file, 'wrong')).rejects.toMatchObject({ name: 'WrongPassphraseError', code: 'wrong_passphrase' })
    const ct = fromBase64url(file.ciphertext)
    ct[0] ^= 1
    await expect(importKeyFile({ ...file, ciphertext: toBase64url(ct) }, 'right')).rejects.toMatchObject({ name: 'WrongPassphraseError' })
  })

  it('cannot be relabelled as another identity (the id is authenticated)', async () => {
    const file = await exportKeyFile(await createIdentity(), 'pw', fast)
    const other = await createIdentity()
    const relabelled = { ...file, id: other.id, publicKey: toBase64url(other.publicKey) }
    await expect(importKeyFile(relabelled, 'pw')).rejects.toMatchObject({ name: 'WrongPassphraseError' })
  })

  it('says what is wrong with a malformed file, and bounds the KDF cost', async () => {
    const file = await exportKeyFile(await createIdentity(), 'pw', fast)
    const cases: Array<[unknown, RegExp]> = [
      [null, /not a JSON object/],
      [{ ...file, type: 'other' }, /type must be/],
      [{ ...file, id: 'did:web:x' }, /id is not/],
      [{ ...file, publicKey: toBase64url(new Uint8Array(32)) }, /publicKey does not match id/],
      [{ ...file, ciphertext: 'a b' }, /ciphertext must be base64url/]
    ]
    for (const [value, why] of cases) {
      expect(() => parseKeyFile(value)).toThrow(why)
    }
    await expect(importKeyFile({ ...file, kdf: { ...file.kdf, iterations: 1e12 } }, 'pw')).rejects.toMatchObject({ name: 'MalformedError', message: /iterations must be/ })
    await expect(importKeyFile({ ...file, kdf: { name: 'scrypt', N: 1 << 24, r: 8, p: 1, salt: 'AAAA' } }, 'pw')).rejects.toThrow(/N must be a power of two/)
  })
})
