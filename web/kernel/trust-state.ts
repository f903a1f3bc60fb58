/**
 * The tab's local trust state: the DAO registry (subnets, policies, proposals, votes) kept in
 * the identity's own IndexedDB pair (`qflow/<identity>/trust-blocks`, `…/trust-data`).
 */
import { IDBBlockstore } from 'blockstore-idb'
import { IDBDatastore } from 'datastore-idb'
import { signatureVerifier } from '../../src/trust/index.js'
import { openDaoStore } from '../../src/trust/store/index.js'
import type { DaoStore } from '../../src/trust/store/index.js'

export interface TabTrustState {
  dao: DaoStore
  close(): Promise<void>
  destroy(): Promise<void>
}

export async function openTabTrustState (identity: string): Promise<TabTrustState> {
  const blocks = new IDBBlockstore(`qflow/${identity}/trust-blocks`)
  const datastore = new IDBDatastore(`qflow/${identity}/trust-data`)
  await blocks.open()
  await datastore.open()
  const close = async (): Promise<void> => { await blocks.close(); await datastore.close() }
  try {
    const dao = await openDaoStore({ blocks, datastore, verifier: await signatureVerifier() })
    return { dao, close, destroy: async () => { await close(); await blocks.destroy(); await datastore.destroy() } }
  } catch (err) {
    await close()
    throw err
  }
}
