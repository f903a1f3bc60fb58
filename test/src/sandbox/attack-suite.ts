/**
 * Runs {@link ATTACK_CASES} against a host: each case must fail with its error type (or pass
 * its output check), leave the host realm exactly as it was, and be followed by a working run
 * in a fresh guest context.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { PooledSandboxHost } from '../../../src/sandbox/pooled-sandbox-host.js'
import { ATTACK_CASES, type AttackCase } from './attack-cases.js'
import { registerFixtures } from './fixtures.js'

const FOLLOW_UP = 'return [input.n * 2, typeof ({}).polluted, typeof globalThis.leak, typeof globalThis.escaped, typeof [].push]'

function realm (): unknown {
  const names = (o: object): string[] => Object.getOwnPropertyNames(o).sort()
  return {
    globals: names(globalThis),
    object: names(Object.prototype),
    array: names(Array.prototype),
    fn: names(Function.prototype),
    polluted: ({} as Record<string, unknown>).polluted,
    escaped: (globalThis as Record<string, unknown>).escaped
  }
}

async function attempt (host: PooledSandboxHost, c: AttackCase): Promise<{ output?: unknown, error?: { type?: string, message?: string } }> {
  const request = c.kind === 'function' ? { code: c.source } : { module: c.source }
  try {
    const result = await host.run({ kind: c.kind, ...request, input: {}, limits: c.limits ?? {}, idempotencyKey: `attack:${c.name}` },
      { signal: new AbortController().signal })
    return { output: result.output }
  } catch (error) {
    return { error: error as { type?: string } }
  }
}

export function attackSuite (makeHost: () => PooledSandboxHost, cases: readonly AttackCase[] = ATTACK_CASES): void {
  let host: PooledSandboxHost
  beforeAll(async () => {
    host = makeHost()
    await registerFixtures(host)
  })
  afterAll(async () => { await host?.stop() })

  for (const c of cases) {
    it(`${c.kind}: ${c.name}`, async () => {
      const before = realm()
      const { output, error } = await attempt(host, c)
      if (c.error != null) {
        expect(error?.type, `expected ${c.error}, got ${error?.message ?? `output ${JSON.stringify(output)}`}`).toBe(c.error)
      } else {
        expect(error, error?.message).toBeUndefined()
        c.output?.(output)
      }
      expect(realm()).toEqual(before)
      const next = await host.run({ kind: 'function', code: FOLLOW_UP, input: { n: 21 }, limits: {}, idempotencyKey: 'follow-up' },
        { signal: new AbortController().signal })
      expect(next.output).toEqual([42, 'undefined', 'undefined', 'undefined', 'function'])
    })
  }
}
