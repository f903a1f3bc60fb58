/**
 * Trust on a data directory: the node identity persists in `<data>/trust/node/`, the state
 * keyring's master key derives from it (no master.key), old directories with master.key keep
 * opening, and an execution admitted before a restart has its steps checked after it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openNodeTrustStore } from '../../../node/platform/trust-store.js'
import { createNodeRuntime } from '../../../node/runtime.js'
import { ADMISSION_VARIABLE } from '../../../src/trust/index.js'
import { flow, gateAction, task } from '../../fixtures/engine.js'

const dir = (): string => mkdtempSync(join(tmpdir(), 'qflow-trust-runtime-'))
const gated = flow([task('g', 'test.gate'), task('t', 'qflow.action.transform', { output: '${input.n}' })], { id: 'gated', owner: 'local' })

describe('trust on a data directory', () => {
  it('keeps one node identity, derives the keyring from it, and re-checks an admitted execution after a restart', async () => {
    const dataDir = dir()
    const first = await createNodeRuntime({ dataDir, sandbox: false })
    const gate = gateAction()
    first.actions.register(gate)
    await first.engine.registerFlow(gated)
    const id = await first.engine.startExecution('gated', { inputData: { n: 5 } })
    await gate.waitCalls(1)
    const nodeId = first.identity.id
    expect(first.identity.peerId).toMatch(/^12D3KooW/)
    await first.close()
    expect(existsSync(join(dataDir, 'master.key'))).toBe(false)
    expect(JSON.parse(readFileSync(join(dataDir, 'trust', 'node', 'node.json'), 'utf8'))).toMatchObject({ type: 'qflow-identity', id: nodeId })
    // the admission is in the signed audit log, signed by the node
    const trustStore = await openNodeTrustStore({ dataDir })
    expect(await trustStore.verifyAudit({ signers: [nodeId] })).toMatchObject({ ok: true, length: 1 })
    await trustStore.close()

    const second = await createNodeRuntime({ dataDir, sandbox: false, recover: false })
    try {
      expect(second.identity.id).toBe(nodeId)
      const again = gateAction()
      second.actions.register(again)
      await second.engine.start()
      await again.waitCalls(1)
      again.release()
      const state = await second.engine.waitForExecution(id)
      expect(state).toMatchObject({ status: 'completed', output: 5 })
      const op = state.context.variables[ADMISSION_VARIABLE] as { operationId: string, actor: string }
      expect(op.actor).toBe(nodeId)
      // this process never admitted it: the steps passed validateStep against the stored operation
      expect((await second.pipeline.getValidationHistory(op.operationId)).map(h => [h.check, h.valid])).toEqual([['step:g', true], ['step:t', true]])
    } finally {
      await second.close()
    }
  })

  it('says which secret is missing when the node key file is gone', async () => {
    const dataDir = dir()
    const runtime = await createNodeRuntime({ dataDir, sandbox: false })
    await runtime.engine.registerFlow(flow([task('a', 'qflow.action.transform', { output: 1 })], { id: 'one', owner: 'local' }))
    await runtime.close()
    rmSync(join(dataDir, 'trust', 'node'), { recursive: true })
    await expect(createNodeRuntime({ dataDir, sandbox: false })).rejects.toMatchObject({
      name: 'WrongKeyError', message: expect.stringMatching(/was not created with this node identity .*trust\/node\): restore the node key file/)
    })
    // the failed open released the directory lock
    expect(existsSync(join(dataDir, 'LOCK'))).toBe(false)
  })

  it('keeps opening a data directory made with master.key', async () => {
    const dataDir = dir()
    const key = new Uint8Array(32).fill(7)
    writeFileSync(join(dataDir, 'master.key'), key, { mode: 0o600 })
    const first = await createNodeRuntime({ dataDir, sandbox: false })
    await first.engine.registerFlow(flow([task('a', 'qflow.action.transform', { output: 1 })], { id: 'one', owner: 'local' }))
    const id = await first.engine.startExecution('one')
    await first.engine.waitForExecution(id)
    await first.engine.persisted(id)
    await first.close()
    // a new node identity does not matter: the keyring is still master.key's
    rmSync(join(dataDir, 'trust', 'node'), { recursive: true })
    const second = await createNodeRuntime({ dataDir, sandbox: false })
    try {
      expect(await second.engine.getExecutionStatus(id)).toMatchObject({ status: 'completed', output: 1 })
    } finally {
      await second.close()
    }
    writeFileSync(join(dataDir, 'master.key'), new Uint8Array(32).fill(8))
    await expect(createNodeRuntime({ dataDir, sandbox: false })).rejects.toMatchObject({ name: 'WrongKeyError', message: expect.stringContaining(dataDir) })
  })

  it('encrypts the node key file with the passphrase and keeps the keyring passphrase-wrapped', async () => {
    const dataDir = dir()
    const first = await createNodeRuntime({ dataDir, sandbox: false, passphrase: 'correct horse' })
    const nodeId = first.identity.id
    await first.close()
    expect(existsSync(join(dataDir, 'master.key'))).toBe(false)
    expect(JSON.parse(readFileSync(join(dataDir, 'trust', 'node', 'node.json'), 'utf8'))).toMatchObject({ id: nodeId, kdf: { name: 'pbkdf2', iterations: 600_000 } })
    await expect(createNodeRuntime({ dataDir, sandbox: false, passphrase: 'wrong' })).rejects.toMatchObject({ name: 'WrongPassphraseError' })
    const second = await createNodeRuntime({ dataDir, sandbox: false, passphrase: 'correct horse' })
    expect(second.identity.id).toBe(nodeId)
    await second.close()
  }, 60_000)
})
