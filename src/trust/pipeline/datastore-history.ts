/**
 * A `HistoryStore` over an interface-datastore `Datastore` (datastore-fs in Node,
 * datastore-idb in browsers, MemoryDatastore in tests): one dag-cbor record per batch under
 * `/qflow/validation/<operation id, base32>/<sequence>`.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { Key } from 'interface-datastore'
import type { Datastore } from 'interface-datastore'
import { base32 } from 'multiformats/bases/base32'
import type { ValidationHistoryEntry } from '../../../shared/trust.js'
import type { HistoryStore } from './history.js'

const PREFIX = '/qflow/validation'

export function datastoreHistoryStore (datastore: Pick<Datastore, 'put' | 'query'>): HistoryStore {
  const seq = new Map<string, number>()
  const dir = (operationId: string): string => `${PREFIX}/${base32.encode(new TextEncoder().encode(operationId))}`

  async function read (operationId: string): Promise<Array<{ n: number, entries: ValidationHistoryEntry[] }>> {
    const out: Array<{ n: number, entries: ValidationHistoryEntry[] }> = []
    for await (const { key, value } of datastore.query({ prefix: dir(operationId) + '/' })) {
      out.push({ n: Number(key.baseNamespace()), entries: dagCbor.decode(value) })
    }
    return out.sort((a, b) => a.n - b.n)
  }

  return {
    async append (operationId, entries) {
      let n = seq.get(operationId)
      if (n == null) n = (await read(operationId)).reduce((max, r) => Math.max(max, r.n + 1), 0)
      seq.set(operationId, n + 1)
      await datastore.put(new Key(`${dir(operationId)}/${String(n).padStart(10, '0')}`), dagCbor.encode(JSON.parse(JSON.stringify(entries))))
    },
    async read (operationId) {
      return (await read(operationId)).flatMap(r => r.entries)
    }
  }
}
