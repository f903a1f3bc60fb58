/**
 * A process that appends to a data directory's audit log until its parent kills it with
 * SIGKILL (`trust-store-crash.spec.ts`). Appends go 25 at a time (one batch or a few), and
 * after each round it prints `written <length>`: every entry up to there was acknowledged.
 *
 *   node --import tsx trust-store-writer.ts <dataDir>
 */
import { nodeEd25519 } from '../../../node/platform/ed25519-node.js'
import { openNodeTrustStore } from '../../../node/platform/trust-store.js'
import { identityFromSeed } from '../../../src/trust/index.js'

const dataDir = process.argv[2]
const signer = await identityFromSeed(new Uint8Array(32).fill(5), { backend: nodeEd25519 })
const store = await openNodeTrustStore({ dataDir })
const log = await store.audit(signer)
let n = log.length
for (;;) {
  await Promise.all(Array.from({ length: 25 }, async () => await log.append({
    operationId: `op-${n++}`, check: 'validate', actor: signer.id, type: 'flow-execution', target: 'crash', valid: true, layer: 'qerberos'
  })))
  process.stdout.write(`written ${log.length}\n`)
}
