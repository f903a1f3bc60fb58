/** The owner token file and the persisted token store. */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiAuth, ensureOwnerToken, fileTokenStore, readOwnerToken } from '../../../node/api/auth/index.js'

const OWNER = 'did:key:z6MkOwnerOwnerOwnerOwnerOwnerOwnerOwnerOwnerOwner'

describe('api: owner token', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'qflow-token-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('creates owner.token (0600, 32 random bytes base64url) once and returns it again', async () => {
    expect(await readOwnerToken(dir)).toBeUndefined()
    const token = await ensureOwnerToken(dir, OWNER)
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect((await stat(join(dir, 'owner.token'))).mode & 0o777).toBe(0o600)
    expect(await readOwnerToken(dir)).toBe(token)
    expect(await ensureOwnerToken(dir, OWNER)).toBe(token)
  })

  it('registers the token for the owner in api-tokens.json (0600, hashed), which auth honours', async () => {
    const token = await ensureOwnerToken(dir, OWNER)
    const file = join(dir, 'api-tokens.json')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const text = await readFile(file, 'utf8')
    expect(text).not.toContain(token)
    expect(JSON.parse(text)).toMatchObject({ version: 1 })
    const auth = createApiAuth({ tokens: fileTokenStore(dir) })
    const who = await auth.authenticate({ method: 'POST', url: 'http://x/api/v1/flows', headers: new Headers({ authorization: `Bearer ${token}` }), body: async () => new Uint8Array() })
    expect(who).toEqual({ identity: OWNER, via: 'token' })
  })

  it('issues and revokes tokens, seen by another store on the same directory', async () => {
    const a = fileTokenStore(dir)
    const b = fileTokenStore(dir)
    const token = await a.issue('did:key:z6MkSomeone', { label: 'ci' })
    expect(await b.lookup(token)).toBe('did:key:z6MkSomeone')
    expect(await a.revoke(token)).toBe(true)
    expect(await b.lookup(token)).toBeUndefined()
    expect(await a.revoke(token)).toBe(false)
  })
})
