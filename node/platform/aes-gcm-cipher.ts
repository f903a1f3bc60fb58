/**
 * Synchronous AES-256-GCM from node:crypto (OpenSSL), injected into the keyring so that the
 * small records of each step boundary are sealed without WebCrypto's asynchronous job round
 * trip. Same format as WebCrypto: 12-byte IV, ciphertext followed by the 16-byte tag.
 */
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto'
import type { AeadProvider, SyncAead } from '../../src/state/qlock/cipher.js'

const TAG_BYTES = 16

export function nodeAesGcm (): AeadProvider {
  return {
    importKey (raw: Uint8Array): SyncAead {
      if (raw.length !== 32) throw new TypeError(`an AES-256 key is 32 bytes, got ${raw.length}`)
      const key = createSecretKey(Buffer.from(raw)) // a copy: the caller zeroes raw
      return {
        seal (iv, plaintext, aad) {
          const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
          cipher.setAAD(aad)
          const head = cipher.update(plaintext)
          const tail = cipher.final()
          const out = new Uint8Array(head.length + tail.length + TAG_BYTES)
          out.set(head, 0)
          out.set(tail, head.length)
          out.set(cipher.getAuthTag(), head.length + tail.length)
          return out
        },
        open (iv, sealed, aad) {
          if (sealed.length < TAG_BYTES) throw new Error('sealed data shorter than the GCM tag')
          const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
          decipher.setAAD(aad)
          decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
          const head = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES))
          const tail = decipher.final() // throws on a bad tag: nothing unauthenticated is returned
          const out = new Uint8Array(head.length + tail.length)
          out.set(head, 0)
          out.set(tail, head.length)
          return out
        }
      }
    }
  }
}
