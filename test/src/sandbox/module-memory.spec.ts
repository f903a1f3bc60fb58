import { describe, expect, it } from 'vitest'
import { clampMemory, MemoryLimitError, ModuleFormatError, readMemories } from '../../../src/sandbox/wasm/module-memory.js'
import { wasmFixture } from './fixtures.js'

/** A minimal module: one memory with the given limits, exported as "memory". */
function moduleWithMemory (flags: number, initial: number, max?: number): Uint8Array {
  const limits = max == null ? [flags, initial] : [flags, initial, max]
  const memory = [5, limits.length + 1, 1, ...limits]
  const exports = [7, 10, 1, 6, ...new TextEncoder().encode('memory'), 2, 0]
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...memory, ...exports])
}

function grow (bytes: Uint8Array, pages: number): number {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource))
  return (instance.exports.memory as WebAssembly.Memory).grow(pages)
}

describe('module memory limits', () => {
  it('reads the declared memories', async () => {
    expect(readMemories(moduleWithMemory(1, 2, 10))).toEqual([{ initial: 2, maximum: 10, shared: false, memory64: false }])
    expect(readMemories(await wasmFixture('huge-memory'))).toEqual([{ initial: 65536, maximum: undefined, shared: false, memory64: false }])
  })

  it('gives a memory without a maximum the limit as its maximum', () => {
    const clamped = clampMemory(moduleWithMemory(0, 1), 4)
    expect(readMemories(clamped.bytes)[0]).toMatchObject({ initial: 1, maximum: 4 })
    expect(clamped).toMatchObject({ initialPages: 1, maxPages: 4 })
    expect(WebAssembly.validate(clamped.bytes as BufferSource)).toBe(true)
    expect(grow(clamped.bytes, 3)).toBe(1)
    expect(() => grow(clamped.bytes, 4)).toThrow(RangeError)
  })

  it('lowers a maximum above the limit and keeps one below it', () => {
    expect(readMemories(clampMemory(moduleWithMemory(1, 1, 100), 8).bytes)[0].maximum).toBe(8)
    expect(readMemories(clampMemory(moduleWithMemory(1, 1, 3), 8).bytes)[0].maximum).toBe(3)
  })

  it('refuses a memory that starts above the limit', () => {
    expect(() => clampMemory(moduleWithMemory(0, 9), 8)).toThrow(MemoryLimitError)
  })

  it('refuses shared memories and non-modules', () => {
    expect(() => clampMemory(moduleWithMemory(3, 1, 2), 8)).toThrow(ModuleFormatError)
    expect(() => clampMemory(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 8)).toThrow(ModuleFormatError)
  })

  it('keeps the rest of a real module intact', async () => {
    const bytes = await wasmFixture('sum')
    const clamped = clampMemory(bytes, 16)
    expect(WebAssembly.validate(clamped.bytes as BufferSource)).toBe(true)
    expect(WebAssembly.Module.imports(new WebAssembly.Module(clamped.bytes as BufferSource)))
      .toEqual(WebAssembly.Module.imports(new WebAssembly.Module(bytes as BufferSource)))
  })
})
