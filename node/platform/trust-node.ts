/**
 * A Node runtime's trust side: its node identity, the DAO registry, the validation pipeline,
 * and the master key of its state keyring.
 *
 * - On a data directory the node identity is a key file in `<dataDir>/trust/node/node.json`
 *   (encrypted with the passphrase when one is given) and the DAO registry is the trust store's
 *   (`<dataDir>/trust/`, see `trust-store.ts`); in memory both are ephemeral.
 * - Without a passphrase, the state keyring's master key is derived from the node identity
 *   (`keyringMasterKey`, HKDF-SHA256), so the key file is the one secret. A data directory made
 *   before this (it has `<dataDir>/master.key`) keeps its master key file; with a passphrase
 *   the keyring stays passphrase-wrapped.
 * - The pipeline trusts the node identity as an authority; the node holds a self-issued grant
 *   for everything (`*#*`), which it presents with the operations it signs for the local owner.
 * - On a data directory every admission (accepted or refused) is appended to the trust store's
 *   audit log, signed by the node (`qflow audit verify`); step re-checks stay in memory.
 */
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { FlowDefinition } from '../../shared/flow.js'
import type { Operation, SignedGrant } from '../../shared/trust.js'
import { WrongKeyError } from '../../src/state/index.js'
import type { Clock } from '../../src/index.js'
import {
  auditedHistory, createIdentity, memoryValidationHistory, createTrustPipeline, daoRegistry, identityFromSeed, issueGrant, keyringMasterKey, onBehalfCheck, peerAuthority,
  selfSigned, signatureVerifier
} from '../../src/trust/index.js'
import type { AllowList, DaoRegistry, SquidIdentity, TokenBucketInit, TrustPipeline } from '../../src/trust/index.js'
import { nodeEd25519 } from './ed25519-node.js'
import { fsKeystore } from './keystore-fs.js'
import { openNodeTrustStore } from './trust-store.js'
import type { NodeTrustStore } from './trust-store.js'

/** The node identity's name in its keystore. */
export const NODE_IDENTITY = 'node'
/** How long the node's self-grant lasts (re-issued at every start; ~10 years). */
const SELF_GRANT_TTL = 10 * 365 * 24 * 3_600_000

/** Options of the runtime's validation pipeline (`NodeRuntimeInit.trust`). */
export interface NodeTrustOptions {
  /** More identities trusted at the root of grant chains (the node identity always is). */
  authorities?: readonly string[]
  /** Admissions per identity other than the node's (default 50 at once, 20/s). */
  rateLimit?: TokenBucketInit
  /** The node's action and host allow-list (DAO subnets add theirs). */
  allowList?: AllowList
  /** Allowed clock skew of signed operations (default ±5 min). */
  skewMs?: number
}

export interface NodeTrustInit extends NodeTrustOptions {
  /** A resolved data directory; absent: everything in memory. */
  dataDir?: string
  passphrase?: string
  clock: Pick<Clock, 'now'>
}

export interface NodeTrust {
  /** The node's sQuid identity (did:key; `peerId` is its libp2p peer id). */
  identity: SquidIdentity
  /** The self-issued grant the node presents for the local owner's operations. */
  ownerGrant: SignedGrant
  trust: TrustPipeline
  /** The DAO registry: membership for admission, the sandbox's code policy in `dao-approved` mode. */
  dao: DaoRegistry
  /** The trust store, on a data directory. */
  store?: NodeTrustStore
  /** The state keyring's master key when it derives from the identity (else the keyring uses master.key or the passphrase). */
  stateMasterKey?: Uint8Array
  /**
   * A child flow runs on its parent's authority: throws `PermissionDeniedError` unless the
   * parent's actor (with the grants it presented) could run `flow` itself and is a member of
   * its DAO subnet. The node itself may run anything. `admittedBy`: the node that admitted the
   * parent, when another node did (a taken-over execution): it vouches as in `validateStep`.
   */
  checkOnBehalf(parent: Operation, flow: FlowDefinition, admittedBy?: string): Promise<void>
  close(): Promise<void>
}

async function exists (path: string): Promise<boolean> {
  return await access(path).then(() => true, () => false)
}

/** Loads the node identity of a data directory, creating it on first use. */
export async function loadNodeIdentity (dataDir: string, passphrase?: string): Promise<{ identity: SquidIdentity, created: boolean }> {
  // without a passphrase the key file is protected by its 0600 mode alone (as master.key was): a KDF would add nothing
  const keystore = await fsKeystore({ dir: join(dataDir, 'trust', NODE_IDENTITY), passphrase: passphrase ?? '', ...(passphrase == null ? { iterations: 1 } : {}) })
  const known = (await keystore.list()).some(i => i.name === NODE_IDENTITY)
  const stored = known ? await keystore.load(NODE_IDENTITY) : await keystore.create({ name: NODE_IDENTITY })
  // the same key on node:crypto (synchronous, native) for signing
  return { identity: await identityFromSeed(await stored.exportSeed(), { backend: nodeEd25519, name: NODE_IDENTITY }), created: !known }
}

export async function openNodeTrust (init: NodeTrustInit): Promise<NodeTrust> {
  const raw = await signatureVerifier({ backend: nodeEd25519 })
  let store: NodeTrustStore | undefined
  try {
    let identity: SquidIdentity
    let stateMasterKey: Uint8Array | undefined
    let dao: DaoRegistry
    if (init.dataDir != null) {
      store = await openNodeTrustStore({ dataDir: init.dataDir, verifier: raw, clock: init.clock })
      const loaded = await loadNodeIdentity(init.dataDir, init.passphrase)
      identity = loaded.identity
      if (init.passphrase == null && !await exists(join(init.dataDir, 'master.key'))) stateMasterKey = await keyringMasterKey(identity)
      dao = store.dao.registry
    } else {
      identity = await createIdentity({ backend: nodeEd25519, name: NODE_IDENTITY })
      dao = daoRegistry(raw)
    }
    // the node admits what it signs itself a moment later: its own fresh signatures need no second Ed25519 check
    const self = selfSigned(identity, raw)
    // audit entries are signed by the plain identity: the self-signed cache is for starts, which step re-checks verify again
    const auditor = identity
    identity = self.identity
    const verifier = self.verifier
    const ownerGrant = await issueGrant(identity, { audience: identity.id, resource: '*', action: '*', ttlMs: SELF_GRANT_TTL }, { clock: init.clock })
    const authorities = [identity.id, ...(init.authorities ?? [])]
    // on a data directory every admission, accepted or refused, goes to the signed audit log (step re-checks stay in memory)
    const history = store == null
      ? undefined
      : auditedHistory(memoryValidationHistory(), await store.audit(auditor), (err) => {
        process.stderr.write(`qflow: an admission could not be appended to the audit log: ${(err as Error)?.message ?? String(err)}\n`)
      }, { only: entry => entry.check === 'validate' })
    const trust = await createTrustPipeline({
      ...(history != null ? { history } : {}),
      clock: init.clock,
      verifier,
      authorities,
      dao,
      // flows of a local node may be owned by 'local'; an admission carries only the input's CID, nothing to seal
      requireDidOwner: false,
      sealed: [],
      unlimited: [identity.id],
      ...(init.rateLimit != null ? { rateLimit: init.rateLimit } : {}),
      ...(init.allowList != null ? { allowList: init.allowList } : {}),
      ...(init.skewMs != null ? { skewMs: init.skewMs } : {})
    })
    const peers = peerAuthority({ isMember: (subnet, id) => dao.isMember(subnet, id), admins: (subnet) => dao.policy(subnet)?.signed.policy.admins ?? [] })
    // a child flow runs on its parent's authority (the same rule as the browser tab's)
    const checkOnBehalf = onBehalfCheck({ self: identity.id, grants: trust.grants, revocations: trust.revocations, authorities, peers, isMember: (subnet, id) => dao.isMember(subnet, id), now: () => init.clock.now() })
    const opened = store
    return {
      identity,
      checkOnBehalf,
      ownerGrant,
      trust,
      dao,
      ...(opened != null ? { store: opened } : {}),
      ...(stateMasterKey != null ? { stateMasterKey } : {}),
      close: async () => {
        await history?.flush()
        await opened?.close()
      }
    }
  } catch (err) {
    await store?.close()
    throw err
  }
}

/**
 * The state store refused the key: say which secret it needs (the node key file, the
 * passphrase, or master.key) instead of a bare "wrong key".
 */
export function explainWrongKey (err: unknown, dataDir: string, derived: boolean): unknown {
  if ((err as Error)?.name !== 'WrongKeyError') return err
  const why = derived
    ? `the state keyring of ${dataDir} was not created with this node identity (${join(dataDir, 'trust', NODE_IDENTITY)}): restore the node key file that created it, or its master.key, or give its passphrase`
    : `${(err as Error).message.replace(/^wrong key: /, '')} (${dataDir})`
  return new WrongKeyError(why)
}
