import { describe, expect, it } from 'vitest'
import { DEFAULT_SANDBOX_CONFIG, effectiveLimits, sandboxConfig } from '../../../src/sandbox/config.js'

describe('sandbox config', () => {
  it('defaults to the seed section', () => {
    expect(sandboxConfig()).toMatchObject({ maxMemoryMB: 128, maxExecutionTimeMs: 30000, allowedModules: ['dao-approved'] })
  })

  it('keeps the network off by default', () => {
    const config = sandboxConfig()
    expect(config.network).toBeUndefined()
    expect(effectiveLimits(config, { maxNetworkRequests: 10 }).networkRequests).toBe(0)
  })

  it('rejects nonsense eagerly', () => {
    expect(() => sandboxConfig({ maxMemoryMB: -1 })).toThrow(/maxMemoryMB/)
    expect(() => sandboxConfig({ poolSize: 0 })).toThrow(/poolSize/)
    expect(() => sandboxConfig({ maxExecutionTimeMs: Number.NaN })).toThrow(/maxExecutionTimeMs/)
  })

  it('lets a step lower a limit but never raise it', () => {
    const config = sandboxConfig({ maxMemoryMB: 64, maxExecutionTimeMs: 1000, maxOutputBytes: 100, maxNetworkRequests: 3, network: { allowedHosts: ['a.example'] } })
    expect(effectiveLimits(config, { maxMemoryMB: 512, maxExecutionTimeMs: 5000, maxOutputBytes: 1e9, maxNetworkRequests: 99 }))
      .toMatchObject({ memoryBytes: 64 * 1024 * 1024, timeMs: 1000, outputBytes: 100, networkRequests: 3 })
    expect(effectiveLimits(config, { maxMemoryMB: 8, maxExecutionTimeMs: 10, maxOutputBytes: 5, maxNetworkRequests: 1 }))
      .toMatchObject({ memoryBytes: 8 * 1024 * 1024, timeMs: 10, outputBytes: 5, networkRequests: 1 })
  })

  it('does not share the default allow-list between configs', () => {
    sandboxConfig().allowedModules.push('x')
    expect(DEFAULT_SANDBOX_CONFIG.allowedModules).toEqual(['dao-approved'])
  })
})
