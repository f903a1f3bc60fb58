/**
 * Bearer tokens and the sQuid identity each was issued to. Tokens are kept as SHA-256 hashes
 * (a leaked token file does not leak usable tokens; lookups hash the presented token).
 *
 * `fileTokenStore(dataDir)` persists `<dataDir>/api-tokens.json` (mode 0600, written to a
 * temporary file and renamed):
 * ```json
 * { "version": 1, "tokens": { "<sha256 hex of the token>": { "identity": "did:key:z6Mk…", "label": "owner", "createdAt": "2026-…" } } }
 * ```
 * The file is re-read when its mtime or size changes, so a token issued by another process
 * (e.g. `ensureOwnerToken` at start, a CLI command) is honoured without a restart.
 */
import { createHash, randomBytes } from 'node:crypto'
import { chmod, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const TOKENS_FILE = 'api-tokens.json'

export interface TokenRecord { identity: string, label?: string, createdAt: string }

export interface TokenStore {
  /** The identity the token was issued to, or undefined for an unknown token. */
  lookup(token: string): Promise<string | undefined>
  /** Registers `token` (or a fresh random one) for `identity`; resolves with the token. */
  issue(identity: string, options?: { token?: string, label?: string }): Promise<string>
  /** Forgets a token; resolves with whether it was known. */
  revoke(token: string): Promise<boolean>
}

export function hashToken (token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** 32 random bytes, base64url (43 characters). */
export function randomToken (): string {
  return randomBytes(32).toString('base64url')
}

/** Tokens in memory; `initial` maps token → identity. */
export function memoryTokenStore (initial: Map<string, string> = new Map()): TokenStore {
  const byHash = new Map<string, string>()
  for (const [token, identity] of initial) byHash.set(hashToken(token), identity)
  return {
    async lookup (token) { return byHash.get(hashToken(token)) },
    async issue (identity, options = {}) {
      const token = options.token ?? randomToken()
      byHash.set(hashToken(token), identity)
      return token
    },
    async revoke (token) { return byHash.delete(hashToken(token)) }
  }
}

interface TokenFile { version: 1, tokens: Record<string, TokenRecord> }

/** Tokens in `<dataDir>/api-tokens.json` (see the module comment). */
export function fileTokenStore (dataDir: string): TokenStore {
  const file = join(dataDir, TOKENS_FILE)
  let cached: { key: string, data: TokenFile } | undefined
  // writes are serialised in this process; the rename keeps readers from seeing half a file
  let writing: Promise<unknown> = Promise.resolve()

  const load = async (): Promise<TokenFile> => {
    let info
    try {
      info = await stat(file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, tokens: {} }
      throw err
    }
    const key = `${info.mtimeMs}:${info.size}`
    if (cached?.key === key) return cached.data
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<TokenFile>
    if (parsed == null || typeof parsed !== 'object' || parsed.tokens == null || typeof parsed.tokens !== 'object') {
      throw new Error(`${file}: not a token file (expected { "version": 1, "tokens": { … } })`)
    }
    const data: TokenFile = { version: 1, tokens: Object.assign(Object.create(null) as Record<string, TokenRecord>, parsed.tokens) }
    cached = { key, data }
    return data
  }

  const update = async <T>(change: (data: TokenFile) => T): Promise<T> => {
    const run = writing.then(async () => {
      const data = await load()
      const result = change(data)
      const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
      await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 })
      await chmod(tmp, 0o600)
      await rename(tmp, file)
      cached = undefined
      return result
    })
    writing = run.catch(() => {})
    return await run
  }

  return {
    async lookup (token) {
      const record = (await load()).tokens[hashToken(token)]
      return typeof record?.identity === 'string' ? record.identity : undefined
    },
    async issue (identity, options = {}) {
      const token = options.token ?? randomToken()
      await update((data) => {
        data.tokens[hashToken(token)] = { identity, ...(options.label != null ? { label: options.label } : {}), createdAt: new Date().toISOString() }
      })
      return token
    },
    async revoke (token) {
      return await update((data) => {
        const h = hashToken(token)
        const known = h in data.tokens
        delete data.tokens[h]
        return known
      })
    }
  }
}
