/**
 * The trust store's audit log on a data directory (`node/platform/trust-store.ts`: LevelDB,
 * appends group-committed, each batch one atomic write with its head pointer): appends/s and
 * CPU per append (process CPU: the main thread and LevelDB's threads) with 50 and 1,000
 * appends in flight, next to the floor measured in the same run: one Ed25519 signature per
 * entry (every entry stays signed), the same node:crypto signer.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nodeEd25519 } from '../../node/platform/ed25519-node.js'
import { openNodeTrustStore } from '../../node/platform/trust-store.js'
import { identityFromSeed, signatureVerifier } from '../../src/trust/index.js'
import type { AuditFields } from '../../src/trust/index.js'
import { fmt } from './stats.js'

const APPENDS = 5000

export async function benchAudit (print: (line: string) => void): Promise<void> {
  const signer = await identityFromSeed(new Uint8Array(32).fill(1), { backend: nodeEd25519 })
  const dataDir = await mkdtemp(join(tmpdir(), 'qflow-bench-audit-'))
  const store = await openNodeTrustStore({ dataDir, verifier: await signatureVerifier({ backend: nodeEd25519 }) })
  try {
    const log = await store.audit(signer)
    const entry = (i: number): AuditFields => ({ operationId: `op-${i}`, check: 'validate', actor: signer.id, type: 'flow-execution', target: 'bench', valid: true, layer: 'qerberos' })
    const bytes = new TextEncoder().encode('x'.repeat(200)) // about an entry's signing bytes
    for (let i = 0; i < 500; i++) await signer.sign(bytes)
    let c0 = process.cpuUsage()
    for (let i = 0; i < APPENDS; i++) await signer.sign(bytes)
    let c = process.cpuUsage(c0)
    const signUs = (c.user + c.system) / APPENDS
    await Promise.all(Array.from({ length: 500 }, async (_, i) => await log.append(entry(i)))) // warm-up
    for (const inFlight of [50, 1000]) {
      let next = 0
      c0 = process.cpuUsage()
      const t0 = performance.now()
      await Promise.all(Array.from({ length: inFlight }, async () => { while (next < APPENDS) await log.append(entry(next++)) }))
      const seconds = (performance.now() - t0) / 1000
      c = process.cpuUsage(c0)
      const us = (c.user + c.system) / APPENDS
      print(`durable: trust audit log, ${inFlight} appends in flight (LevelDB, group-committed, ${fmt(APPENDS)} appends): ${fmt(APPENDS / seconds)} appends/s, ` +
        `${fmt(us)} µs CPU per append; Ed25519 sign alone ${fmt(signUs)} µs, ratio ${(us / signUs).toFixed(2)} (same run)`)
    }
    const verified = await store.verifyAudit({ signers: [signer.id] })
    if (!verified.ok || verified.length !== 500 + 2 * APPENDS) throw new Error(`the bench audit log does not verify: ${JSON.stringify(verified)}`)
  } finally {
    await store.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}
