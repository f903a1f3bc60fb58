/**
 * The trust store on Node: the DAO registry and the audit log under `<dataDir>/trust/`, apart
 * from the state store's files (another component owns those and their LOCK).
 *
 *   <dataDir>/trust/blocks     FsBlockstore: signed policies, votes, proposals, audit entries
 *   <dataDir>/trust/datastore  FsDatastore: pointers (subnet versions, pending, votes, audit head)
 *   <dataDir>/trust/LOCK       one process at a time (a datastore put is not a transaction)
 */
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { FsDatastore } from 'datastore-fs'
import { systemClock } from '../../src/index.js'
import type { Clock } from '../../src/index.js'
import { signatureVerifier } from '../../src/trust/index.js'
import type { AuditLog, SignatureVerifier, SquidIdentity } from '../../src/trust/index.js'
import { openDaoStore, storedAuditLog, verifyStoredAuditLog } from '../../src/trust/store/index.js'
import type { DaoStore } from '../../src/trust/store/index.js'
import { lockDataDir } from './data-lock.js'

export interface NodeTrustStoreInit {
  dataDir: string
  verifier?: SignatureVerifier
  clock?: Pick<Clock, 'now'>
}

export interface NodeTrustStore {
  /** `<dataDir>/trust` */
  dir: string
  dao: DaoStore
  verifier: SignatureVerifier
  /** The audit log, its entries signed by `signer`. */
  audit(signer: SquidIdentity): Promise<AuditLog>
  verifyAudit(options?: { signers?: readonly string[] }): ReturnType<typeof verifyStoredAuditLog>
  close(): Promise<void>
}

export async function openNodeTrustStore (init: NodeTrustStoreInit): Promise<NodeTrustStore> {
  const dir = join(resolve(init.dataDir), 'trust')
  await mkdir(dir, { recursive: true })
  const unlock = await lockDataDir(dir)
  const blocks = new FsBlockstore(join(dir, 'blocks'))
  const datastore = new FsDatastore(join(dir, 'datastore'))
  const closeAll = async (): Promise<void> => {
    await blocks.close()
    await datastore.close()
    await unlock()
  }
  try {
    await blocks.open()
    await datastore.open()
    const verifier = init.verifier ?? await signatureVerifier()
    const dao = await openDaoStore({ blocks, datastore, verifier })
    const clock = init.clock ?? systemClock()
    return {
      dir,
      dao,
      verifier,
      audit: async (signer) => await storedAuditLog({ signer, blocks, datastore, clock }),
      verifyAudit: async (options = {}) => await verifyStoredAuditLog({ blocks, datastore, verifier, ...options }),
      close: closeAll
    }
  } catch (err) {
    await closeAll()
    throw err
  }
}
