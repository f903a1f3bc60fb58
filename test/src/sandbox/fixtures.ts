/// <reference types="vite/client" />
/**
 * Test WASM modules, built at test time from the WAT sources in test/fixtures/wasm with
 * wabt (no committed binaries). Works in both vitest projects (Vite inlines the sources).
 */
import createWabt from 'wabt'
import type { PooledSandboxHost } from '../../../src/sandbox/pooled-sandbox-host.js'

const sources = import.meta.glob('../../fixtures/wasm/*.wat', { query: '?raw', import: 'default', eager: true }) as Record<string, string>

export const WAT_NAMES = Object.keys(sources).map(path => path.replace(/^.*\/(.+)\.wat$/, '$1')).sort()

let wabt: ReturnType<typeof createWabt> | undefined
const built = new Map<string, Promise<Uint8Array>>()

/** The module built from `test/fixtures/wasm/<name>.wat`. */
export function wasmFixture (name: string): Promise<Uint8Array> {
  let bytes = built.get(name)
  if (bytes == null) {
    const source = sources[`../../fixtures/wasm/${name}.wat`]
    if (source == null) throw new Error(`no WAT fixture named ${name}`)
    wabt ??= createWabt()
    bytes = wabt.then(w => {
      const module = w.parseWat(`${name}.wat`, source)
      try {
        return new Uint8Array(module.toBinary({}).buffer)
      } finally {
        module.destroy()
      }
    })
    built.set(name, bytes)
  }
  return bytes
}

/** Registers every fixture as a template named after its file. */
export async function registerFixtures (host: PooledSandboxHost): Promise<Record<string, string>> {
  const cids: Record<string, string> = {}
  for (const name of WAT_NAMES) cids[name] = await host.registry.registerTemplate(name, await wasmFixture(name))
  return cids
}
