import { afterAll, describe, expect, it } from 'vitest'
import { ErrorType } from '../../../shared/errors.js'
import { threadSandboxHost } from '../../../node/platform/thread-sandbox-host.js'
import { cidOfSource } from '../../../src/sandbox/cid.js'
import { assertApproved, localAllowList } from '../../../src/sandbox/code-policy.js'
import { wasmFixture } from './fixtures.js'
import { failureOf, runner } from './helpers.js'

describe('code policy', () => {
  it('approves listed CIDs, globally or for one DAO subnet', async () => {
    const policy = localAllowList(['bafy-a'], { 'dao.x': ['bafy-b'] })
    expect(await policy.isApproved('bafy-a', {})).toBe(true)
    expect(await policy.isApproved('bafy-b', { daoSubnet: 'dao.x' })).toBe(true)
    expect(await policy.isApproved('bafy-b', { daoSubnet: 'dao.y' })).toBe(false)
    expect(await policy.isApproved('bafy-c', {})).toBe(false)
    policy.approve('bafy-c')
    expect(await policy.isApproved('bafy-c', {})).toBe(true)
  })

  it('reads allowedModules: dao-approved asks the policy, * allows all, names and CIDs allow directly', async () => {
    const none = localAllowList()
    await expect(assertApproved(['*'], none, 'bafy-a', {})).resolves.toBeUndefined()
    await expect(assertApproved(['bafy-a'], none, 'bafy-a', {})).resolves.toBeUndefined()
    await expect(assertApproved(['echo'], none, 'bafy-a', {}, ['echo'])).resolves.toBeUndefined()
    await expect(assertApproved(['dao-approved'], localAllowList(['bafy-a']), 'bafy-a', {})).resolves.toBeUndefined()
    await expect(assertApproved(['dao-approved'], none, 'bafy-a', {})).rejects.toMatchObject({ type: ErrorType.DAO_POLICY_VIOLATION, retryable: false })
    await expect(assertApproved([], none, 'bafy-a', {})).rejects.toMatchObject({ type: ErrorType.DAO_POLICY_VIOLATION })
  })

  it('turns a failing policy into a violation', async () => {
    const broken = { isApproved: () => { throw new Error('dao offline') } }
    await expect(assertApproved(['dao-approved'], broken, 'bafy-a', {})).rejects.toThrow(/dao offline/)
  })
})

describe('whitelist in a dao-approved host', async () => {
  const approvedCode = 'return "approved"'
  const policy = localAllowList([(await cidOfSource(approvedCode)).toString()])
  const host = threadSandboxHost({ config: { poolSize: 1 }, policy })
  const run = runner(host)
  afterAll(() => host.stop())

  it('runs approved function code', async () => {
    expect((await run({ code: approvedCode })).output).toBe('approved')
  })

  it('rejects unapproved function code with DAO_POLICY_VIOLATION', async () => {
    const err = await failureOf(run({ code: 'return "not approved"' }))
    expect(err.type).toBe(ErrorType.DAO_POLICY_VIOLATION)
    expect(err.details?.cid).toBe((await cidOfSource('return "not approved"')).toString())
  })

  it('rejects an unapproved module before compiling or instantiating it', async () => {
    const cid = await host.registry.registerTemplate('loop', await wasmFixture('loop'))
    const compiledBefore = host.cache.compiled
    const err = await failureOf(run({ module: 'loop' }))
    expect(err.type).toBe(ErrorType.DAO_POLICY_VIOLATION)
    expect(err.details?.cid).toBe(cid)
    expect(host.cache.compiled).toBe(compiledBefore)
  })

  it('passes the flow DAO subnet to the policy', async () => {
    const seen: Array<string | undefined> = []
    const spy = threadSandboxHost({ config: { poolSize: 1 }, policy: { isApproved: (_cid, { daoSubnet }) => { seen.push(daoSubnet); return daoSubnet === 'dao.ok' } } })
    try {
      expect((await runner(spy)({ code: 'return 1', daoSubnet: 'dao.ok' })).output).toBe(1)
      expect((await failureOf(runner(spy)({ code: 'return 1', daoSubnet: 'dao.other' }))).type).toBe(ErrorType.DAO_POLICY_VIOLATION)
      expect(seen).toEqual(['dao.ok', 'dao.other'])
    } finally {
      await spy.stop()
    }
  })
})
