/**
 * The synchronous sha2-256 the hot paths hash with (operation digests, envelope payload CIDs,
 * audit entries). Isomorphic default: @noble/hashes (pure JS, the same in every runtime). A
 * platform with a faster synchronous implementation installs it once at its edge
 * (`node/platform/sha256-node.ts`: node:crypto, 1.3-4x faster on the 100 B-1 KB inputs hashed here).
 *
 * Any installed function must be sha2-256: it names CIDs and signatures other nodes check.
 * `setSha256` refuses one that does not hash the empty input to the standard digest.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'

export type Sha256 = (bytes: Uint8Array) => Uint8Array

let impl: Sha256 = nobleSha256

/** sha2-256 of `bytes` (32 bytes), with the installed implementation. */
export function sha256 (bytes: Uint8Array): Uint8Array {
  return impl(bytes)
}

/**
 * Installs `fn` as the sha2-256 of this process (or tab); `undefined` restores the default.
 * Throws `TypeError` when `fn` is not sha2-256 (checked on two known inputs).
 *
 * @example
 * setSha256((bytes) => new Uint8Array(createHash('sha256').update(bytes).digest()))
 */
export function setSha256 (fn: Sha256 | undefined): void {
  if (fn == null) { impl = nobleSha256; return }
  for (const probe of [new Uint8Array(0), new Uint8Array([0x71, 0x66, 0x6c, 0x6f, 0x77])]) {
    const got = fn(probe)
    const want = nobleSha256(probe)
    if (!(got instanceof Uint8Array) || got.length !== 32 || got.some((b, i) => b !== want[i])) {
      throw new TypeError('setSha256: the function given is not sha2-256 (its digest of a known input differs)')
    }
  }
  impl = fn
}

/** Which implementation is installed ('default' is @noble/hashes). */
export function sha256Implementation (): 'default' | 'installed' {
  return impl === nobleSha256 ? 'default' : 'installed'
}
