/**
 * The owner's bearer token: `<dataDir>/owner.token` (mode 0600, 32 random bytes, base64url),
 * registered for the owner identity in `<dataDir>/api-tokens.json` (see `token-store.ts`).
 * The relay calls `ensureOwnerToken` at start; the local CLI reads the file with `readOwnerToken`.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileTokenStore, randomToken } from './token-store.js'

export const OWNER_TOKEN_FILE = 'owner.token'

/** The token in `<dataDir>/owner.token`, or undefined when there is none. */
export async function readOwnerToken (dataDir: string): Promise<string | undefined> {
  try {
    const token = (await readFile(join(dataDir, OWNER_TOKEN_FILE), 'utf8')).trim()
    return token === '' ? undefined : token
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/**
 * Creates `<dataDir>/owner.token` when missing, makes sure it is registered for `ownerId`, and
 * resolves with the token. Idempotent: a second call returns the same token.
 */
export async function ensureOwnerToken (dataDir: string, ownerId: string): Promise<string> {
  const file = join(dataDir, OWNER_TOKEN_FILE)
  let token = await readOwnerToken(dataDir)
  if (token == null) {
    const fresh = randomToken()
    try {
      // 'wx': two processes starting at once do not overwrite each other's token
      await writeFile(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' })
      token = fresh
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      token = await readOwnerToken(dataDir)
      if (token == null) throw new Error(`${file} exists but is empty: delete it and start again`)
    }
  }
  await chmod(file, 0o600)
  const store = fileTokenStore(dataDir)
  if (await store.lookup(token) !== ownerId) await store.issue(ownerId, { token, label: 'owner' })
  return token
}
