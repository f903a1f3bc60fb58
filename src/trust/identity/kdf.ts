/**
 * Passphrase → AES-256-GCM key for key files. PBKDF2-SHA256 through WebCrypto (native in
 * Node and browsers; 600,000 iterations by default, the OWASP figure the state keyring uses)
 * or scrypt through @noble/hashes (memory-hard, slower in JS). Parameters read from a file are
 * bounded so a hostile file cannot make an import run for hours.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js'
import type { KeyFile } from '../../../shared/trust.js'
import { fromBase64url, toBase64url } from '../encoding.js'
import { MalformedError } from '../errors.js'

export type KdfParams = KeyFile['kdf']

export interface KdfOptions {
  kdf?: 'pbkdf2' | 'scrypt'
  /** PBKDF2 iterations (default 600,000). */
  iterations?: number
  /** scrypt cost (default N 2^17, r 8, p 1: 128 MiB). */
  scrypt?: { N?: number, r?: number, p?: number }
}

export const DEFAULT_PBKDF2_ITERATIONS = 600_000
const LIMITS = { iterations: 10_000_000, N: 1 << 20, r: 16, p: 4 }
type Bytes = Uint8Array<ArrayBuffer>

export function newKdfParams (options: KdfOptions = {}): KdfParams {
  const salt = toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(16)))
  if (options.kdf === 'scrypt') {
    return { name: 'scrypt', N: options.scrypt?.N ?? 1 << 17, r: options.scrypt?.r ?? 8, p: options.scrypt?.p ?? 1, salt }
  }
  return { name: 'pbkdf2', hash: 'SHA-256', iterations: options.iterations ?? DEFAULT_PBKDF2_ITERATIONS, salt }
}

function checkParams (kdf: KdfParams): void {
  const bad = (why: string): never => { throw new MalformedError('key_file_invalid', `key file kdf: ${why}`) }
  if (kdf.name === 'pbkdf2') {
    if (kdf.hash !== 'SHA-256') bad(`unsupported hash ${String(kdf.hash)}`)
    if (!Number.isInteger(kdf.iterations) || kdf.iterations < 1 || kdf.iterations > LIMITS.iterations) bad(`iterations must be 1..${LIMITS.iterations}`)
  } else if (kdf.name === 'scrypt') {
    const pow2 = Number.isInteger(kdf.N) && kdf.N > 1 && (kdf.N & (kdf.N - 1)) === 0
    if (!pow2 || kdf.N > LIMITS.N) bad(`N must be a power of two up to ${LIMITS.N}`)
    if (!Number.isInteger(kdf.r) || kdf.r < 1 || kdf.r > LIMITS.r) bad(`r must be 1..${LIMITS.r}`)
    if (!Number.isInteger(kdf.p) || kdf.p < 1 || kdf.p > LIMITS.p) bad(`p must be 1..${LIMITS.p}`)
  } else {
    bad(`unknown kdf ${String((kdf as { name?: unknown }).name)}`)
  }
}

/** The non-extractable AES-256-GCM key a passphrase derives under `kdf`. */
export async function deriveKey (passphrase: string, kdf: KdfParams): Promise<CryptoKey> {
  checkParams(kdf)
  const password = new TextEncoder().encode(passphrase.normalize('NFC'))
  const salt = fromBase64url(kdf.salt) as Bytes
  const aes = { name: 'AES-GCM', length: 256 }
  if (kdf.name === 'pbkdf2') {
    const base = await globalThis.crypto.subtle.importKey('raw', password, 'PBKDF2', false, ['deriveKey'])
    return await globalThis.crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: kdf.iterations }, base, aes, false, ['encrypt', 'decrypt'])
  }
  const raw = await scryptAsync(password, salt, { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32, maxmem: 2 ** 31 })
  return await globalThis.crypto.subtle.importKey('raw', raw as Bytes, aes, false, ['encrypt', 'decrypt'])
}
