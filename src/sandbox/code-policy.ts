/**
 * The code whitelist. With `allowedModules: ['dao-approved']` only code whose CID the flow's
 * DAO policy approves may run; the identity/DAO layer supplies the real {@link CodePolicy},
 * {@link localAllowList} is the local stand-in. Checked before anything is compiled or run.
 */
import { policyViolation } from './errors.js'

export interface CodePolicyContext {
  /** The flow's DAO subnet (`metadata.daoSubnet`), when it has one. */
  daoSubnet?: string
  signal?: AbortSignal
}

export interface CodePolicy {
  /**
   * @example
   * const policy = localAllowList(['bafkrei…'])
   * await policy.isApproved('bafkrei…', { daoSubnet: 'dao.example' }) // true
   */
  isApproved(cid: string, context: CodePolicyContext): boolean | Promise<boolean>
}

/** Approves exactly the listed CIDs; a subnet-scoped list applies only to that subnet's flows. */
export function localAllowList (cids: Iterable<string> = [], bySubnet: Record<string, Iterable<string>> = {}): CodePolicy & { approve(cid: string, daoSubnet?: string): void } {
  const global = new Set(cids)
  const scoped = new Map(Object.entries(bySubnet).map(([subnet, list]) => [subnet, new Set(list)]))
  return {
    isApproved: (cid, { daoSubnet }) => global.has(cid) || (daoSubnet != null && scoped.get(daoSubnet)?.has(cid) === true),
    approve (cid, daoSubnet) {
      if (daoSubnet == null) { global.add(cid); return }
      const set = scoped.get(daoSubnet) ?? new Set<string>()
      set.add(cid)
      scoped.set(daoSubnet, set)
    }
  }
}

export const DAO_APPROVED = 'dao-approved'
export const ANY_CODE = '*'

/**
 * Throws DAO_POLICY_VIOLATION unless `allowedModules` lets this code run.
 * `names` are other names of the same code (a template name).
 */
export async function assertApproved (allowedModules: readonly string[], policy: CodePolicy, cid: string,
  context: CodePolicyContext, names: readonly string[] = []): Promise<void> {
  if (allowedModules.includes(ANY_CODE)) return
  if (allowedModules.includes(cid) || names.some(n => allowedModules.includes(n))) return
  if (!allowedModules.includes(DAO_APPROVED)) throw policyViolation(cid, 'not in sandbox.allowedModules')
  let approved = false
  try {
    approved = await policy.isApproved(cid, context)
  } catch (err) {
    throw policyViolation(cid, `the code policy failed: ${(err as Error)?.message ?? String(err)}`)
  }
  if (approved !== true) {
    throw policyViolation(cid, context.daoSubnet == null ? 'no DAO policy approves it' : `the DAO policy of ${context.daoSubnet} does not approve it`)
  }
}
