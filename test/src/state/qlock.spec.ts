import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { MemoryDatastore } from 'datastore-core'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { testEvents, testFlow } from '../../compliance/state-store.js'
import { localKeyring, recordAad, seal, unseal } from '../../../src/state/index.js'
import { MASTER, collect, filesContaining, openFs, tempDir } from './helpers.js'

const SECRETS = ['SECRET-INPUT-7f3a', 'SECRET-VAR-19c2', 'SECRET-OUTPUT-a51e', 'SECRET-LOG-0d44', 'SECRET-FLOW-PARAM-b2e9', 'SECRET-STATE-66f1', 'SECRET-BIG-OUTPUT-3c8d']

/** Rewrites a stored block with one bit flipped, under its CID (the blockstore does not check). */
async function flipByte (blockstore: Blockstore, cid: CID, at = 0.5): Promise<void> {
  const bytes = (await collect(blockstore.get(cid))).slice()
  bytes[Math.floor(bytes.length * at)] ^= 0x01
  await blockstore.put(cid, bytes)
}

describe('Qlock at rest', () => {
  it('stores no input, variable, output, log, flow or state in plaintext', async () => {
    const tmp = await tempDir()
    try {
      const node = await openFs(tmp.dir, { largeOutputThreshold: 1024 })
      const flow = testFlow('secret-flow', { steps: [{ id: 's1', type: 'task', action: 'qflow.action.log', params: { token: SECRETS[4] } }] })
      await node.store.putFlow(flow)
      const events = testEvents('e1')
      const started = events[0] as any
      started.context.inputData = { key: SECRETS[0] }
      started.context.variables = { v: SECRETS[1] }
      await node.store.appendEvents('e1', events, { flowId: 'secret-flow', status: 'running' })
      await node.store.appendEvents('e1', [
        { type: 'step.completed', at: 9, stepId: 's2', attempt: 1, output: { text: SECRETS[2] }, logs: [SECRETS[3]] },
        { type: 'step.completed', at: 10, stepId: 's3', attempt: 1, output: { blob: `${SECRETS[6]} ${'z'.repeat(4096)}` } }
      ], { flowId: 'secret-flow', status: 'running' })
      await node.store.saveSnapshot('e1', { checkpointId: 'cp', logIndex: 6, state: { s: SECRETS[5] } })
      expect(JSON.stringify(await node.store.readEvents('e1'))).toContain(SECRETS[6])
      await node.close()
      // the scanner works: a file holding a secret is found
      await writeFile(join(tmp.dir, 'control.txt'), `x ${SECRETS[0]} y`)
      expect(await filesContaining(tmp.dir, SECRETS)).toEqual(['control.txt'])
    } finally {
      await tmp.remove()
    }
  })

  it('detects a flipped byte in a log block and names the record', async () => {
    const tmp = await tempDir()
    try {
      const node = await openFs(tmp.dir)
      await node.store.appendEvents('exec-tamper', testEvents('exec-tamper'), { flowId: 'f1', status: 'running' })
      const head = await node.store.getHead('exec-tamper') as CID
      await node.store.flush() // in the blockstore (a no-op without write-ahead)
      await flipByte(node.blockstore, head)
      const err = await node.store.readEvents('exec-tamper').catch(e => e)
      expect(err.name).toBe('IntegrityError')
      expect(err.record).toEqual({ kind: 'log', id: 'exec-tamper', cid: head.toString() })
      expect(err.message).toContain('exec-tamper')
      expect(err.message).toContain(head.toString())
      await node.close()
    } finally {
      await tmp.remove()
    }
  })

  it('rejects a sealed body whose ciphertext or record binding changed', async () => {
    const keyring = await localKeyring({ datastore: new MemoryDatastore(), masterKey: MASTER })
    const key = await keyring.current('alice')
    const env = await seal(key, new TextEncoder().encode('hello'), recordAad('log', 'e1'))
    const ref = { kind: 'log' as const, id: 'e1', cid: 'bafy-test' }
    expect(new TextDecoder().decode(await unseal(keyring.get.bind(keyring), env, recordAad('log', 'e1'), ref))).toBe('hello')
    const flipped = { ...env, ct: env.ct.slice() }
    flipped.ct[0] ^= 1
    await expect(unseal(keyring.get.bind(keyring), flipped, recordAad('log', 'e1'), ref)).rejects.toMatchObject({ name: 'DecryptionError', record: ref })
    await expect(unseal(keyring.get.bind(keyring), env, recordAad('log', 'e2'), ref)).rejects.toThrow(/log block bafy-test of execution e1/)
    await expect(unseal(keyring.get.bind(keyring), { v: 1, keyId: 'qk-missing', iv: env.iv, ct: env.ct }, recordAad('log', 'e1'), ref))
      .rejects.toMatchObject({ name: 'KeyNotFoundError', record: ref })
  })

  it('refuses the wrong master key or passphrase at open', async () => {
    const tmp = await tempDir()
    try {
      const node = await openFs(tmp.dir)
      await node.store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
      await node.close()
      await expect(openFs(tmp.dir, { masterKey: new Uint8Array(32).fill(8) })).rejects.toMatchObject({ name: 'WrongKeyError' })
      await expect(openFs(tmp.dir, { masterKey: undefined, passphrase: 'guess' })).rejects.toThrow(/wrong key/)
      const datastore = new MemoryDatastore()
      await localKeyring({ datastore, passphrase: 'right', iterations: 1000 })
      await expect(localKeyring({ datastore, passphrase: 'wrong', iterations: 1000 })).rejects.toMatchObject({ name: 'WrongKeyError' })
      expect(await (await localKeyring({ datastore, passphrase: 'right' })).list()).toEqual([])
    } finally {
      await tmp.remove()
    }
  })

  it('rotates keys: new records use the new key, old ones stay readable, history is re-encrypted', async () => {
    const tmp = await tempDir()
    try {
      const node = await openFs(tmp.dir, { largeOutputThreshold: 512 })
      const { store, keyring } = node
      const owner = 'did:squid:owner'
      const v1 = await store.putFlow(testFlow('f1'))
      await store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
      await store.appendEvents('e1', [{ type: 'step.completed', at: 7, stepId: 's9', attempt: 1, output: 'o'.repeat(2000) }], { flowId: 'f1', status: 'running' })
      await store.saveSnapshot('e1', { checkpointId: 'cp', logIndex: 5, state: { n: 1 } })
      const oldKey = await keyring.current(owner)
      const newKey = await keyring.rotate(owner)
      expect(newKey.id).not.toBe(oldKey.id)
      await store.appendEvents('e1', [{ type: 'execution.paused', at: 8 }], { flowId: 'f1', status: 'paused' })
      await store.flush()
      const keyIdOf = async (cid: CID): Promise<string> => dagCbor.decode<any>(await collect(node.blockstore.get(cid))).body.keyId
      expect(await keyIdOf(await store.getHead('e1') as CID)).toBe(newKey.id)
      const before = await store.readEvents('e1')
      expect(before).toHaveLength(6)

      const result = await store.reencryptHistory({ owner })
      expect(result).toMatchObject({ executions: 1, flows: 1 })
      expect(result.versions).toEqual([{ flowId: 'f1', from: v1.versionId, to: expect.any(String) }])
      expect(await store.readEvents('e1')).toEqual(before)
      expect(await store.loadSnapshot('e1')).toMatchObject({ checkpointId: 'cp', state: { n: 1 } })
      expect((await store.listFlowVersions('f1'))[0].versionId).toBe(result.versions[0].to)
      await store.flush()
      const keyIds = new Set<string>()
      for (let cid: CID | null = await store.getHead('e1') as CID; cid != null;) {
        const block: any = dagCbor.decode(await collect(node.blockstore.get(cid)))
        keyIds.add(block.body.keyId)
        cid = block.prev
      }
      expect([...keyIds]).toEqual([newKey.id])
      expect((await store.reencryptHistory()).executions).toBe(0)
      expect((await keyring.list(owner)).map(k => [k.id, k.current])).toEqual([[oldKey.id, false], [newKey.id, true]])
      expect(await store.gc()).toBeGreaterThan(0)
      expect(await store.readEvents('e1')).toEqual(before)
      await node.close()
    } finally {
      await tmp.remove()
    }
  })
})
