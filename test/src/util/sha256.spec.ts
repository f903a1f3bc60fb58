import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { cidOfEncoded } from '../../../src/trust/encoding.js'
import { setSha256, sha256, sha256Implementation } from '../../../src/util/sha256.js'

const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('')

describe('the injectable sha2-256', () => {
  const before = sha256Implementation()
  const installed = before === 'installed' ? sha256 : undefined
  afterEach(() => { setSha256(installed) })

  it('hashes the standard test vector', () => {
    expect(hex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('refuses a function that is not sha2-256, naming it, and keeps the one installed', () => {
    const wrong = (bytes: Uint8Array): Uint8Array => nobleSha256(new Uint8Array([...bytes, 1]))
    expect(() => { setSha256(wrong) }).toThrow(/not sha2-256/)
    expect(() => { setSha256(() => new Uint8Array(32)) }).toThrow(/not sha2-256/)
    expect(sha256Implementation()).toBe(before)
  })

  it('an installed sha2-256 names every value with the same CID as the default (property)', () => {
    const calls: number[] = []
    const counting = (bytes: Uint8Array): Uint8Array => { calls.push(bytes.length); return nobleSha256(bytes) }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      setSha256(undefined)
      const byDefault = cidOfEncoded(bytes)
      setSha256(counting)
      return cidOfEncoded(bytes) === byDefault
    }), { numRuns: 50 })
    expect(sha256Implementation()).toBe('installed')
    expect(calls.length).toBeGreaterThanOrEqual(50)
  })
})

describe('cidOfEncoded', () => {
  it('is the base32 string of the CIDv1 (dag-cbor, sha2-256) of the bytes (property)', async () => {
    const { CID } = await import('multiformats/cid')
    const { create } = await import('multiformats/hashes/digest')
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1024 }), (bytes) => {
      const expected = CID.createV1(0x71, create(0x12, nobleSha256(bytes))).toString()
      const got = cidOfEncoded(bytes)
      return got === expected && CID.parse(got).equals(CID.parse(expected))
    }), { numRuns: 100 })
  })
})
