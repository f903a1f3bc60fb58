import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { installNodeSha256, nodeSha256 } from '../../../node/platform/sha256-node.js'
import { sha256, sha256Implementation } from '../../../src/util/sha256.js'

describe('node:crypto sha2-256 for the hot paths', () => {
  it('is installed once the Node platform module is imported, and agrees with @noble/hashes (property)', () => {
    installNodeSha256()
    expect(sha256Implementation()).toBe('installed')
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
      const got = sha256(bytes)
      return got instanceof Uint8Array && got.length === 32 && Buffer.from(got).equals(Buffer.from(nobleSha256(bytes)))
    }), { numRuns: 200 })
  })

  it('hands back a plain 32-byte array of its own (not a view into a shared Buffer pool)', () => {
    const digest = nodeSha256(new Uint8Array([1, 2, 3]))
    expect(digest.byteOffset).toBe(0)
    expect(digest.buffer.byteLength).toBe(32)
  })
})
