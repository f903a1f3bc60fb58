/**
 * DAO policies: content-addressed (the CID of the policy's dag-cbor), versioned (each version
 * names its predecessor), signed by admins. The genesis policy needs `adminQuorum` signatures
 * of its own admins; every later version needs `adminQuorum` signatures of the admins of the
 * version it replaces, so a subnet cannot be taken over by rewriting its admin list.
 */
import { ErrorType } from '../../../shared/errors.js'
import type { DaoPolicy, SignedDaoPolicy } from '../../../shared/trust.js'
import { cidOfValue, compact, DOMAINS, signingBytes, toBase64url } from '../encoding.js'
import { TrustError } from '../errors.js'
import { isDidKey } from '../identity/did-key.js'
import type { SquidIdentity } from '../identity/identity.js'
import type { SignatureVerifier } from '../identity/verifier.js'

export function policyViolation (code: string, message: string, details: Record<string, unknown> = {}): TrustError {
  const err = new TrustError(ErrorType.DAO_POLICY_VIOLATION, code, message, details)
  err.name = 'DaoPolicyError'
  return err
}

export function policyCid (policy: DaoPolicy): string {
  return cidOfValue(compact(policy))
}

/** Adds `signers`' signatures to a policy (to a signed one: more signatures). */
export async function signPolicy (policy: DaoPolicy | SignedDaoPolicy, signers: SquidIdentity[]): Promise<SignedDaoPolicy> {
  const signed = 'policy' in policy ? policy : { policy, signatures: [] }
  const bytes = signingBytes(DOMAINS.policy, compact(signed.policy))
  const added = await Promise.all(signers.map(async s => ({ signer: s.id, signature: toBase64url(await s.sign(bytes)) })))
  return { policy: signed.policy, signatures: [...signed.signatures, ...added] }
}

function checkShape (p: DaoPolicy): void {
  const bad = (why: string): never => { throw policyViolation('policy_malformed', `malformed DAO policy: ${why}`) }
  if (typeof p?.subnet !== 'string' || p.subnet === '') bad('subnet must be a non-empty string')
  if (!Number.isSafeInteger(p.version) || p.version < 1) bad('version must be an integer >= 1')
  if ((p.version === 1) !== (p.prev == null)) bad('only version 1 has no prev')
  for (const list of ['members', 'admins'] as const) if (!Array.isArray(p[list]) || !p[list].every(isDidKey)) bad(`${list} must be sQuid identities`)
  if (!p.admins.every(a => p.members.includes(a))) bad('every admin must be a member')
  if (!Number.isSafeInteger(p.adminQuorum) || p.adminQuorum < 1 || p.adminQuorum > p.admins.length) bad('adminQuorum must be 1..admins')
  if (!Number.isSafeInteger(p.approvalQuorum) || p.approvalQuorum < 1 || p.approvalQuorum > p.members.length) bad('approvalQuorum must be 1..members')
  if (!Array.isArray(p.allowedActions) || !Array.isArray(p.codeWhitelist)) bad('allowedActions and codeWhitelist must be lists')
}

/**
 * Checks a signed policy, against the version it replaces when it has one. Throws a
 * `DAO_POLICY_VIOLATION` (`policy_malformed`, `policy_tampered`, `policy_quorum`, `policy_chain`).
 */
export async function verifyPolicy (signed: SignedDaoPolicy, verifier: SignatureVerifier, previous?: SignedDaoPolicy): Promise<string> {
  const p = signed?.policy
  checkShape(p)
  const cid = policyCid(p)
  if (previous != null) {
    const prevCid = policyCid(previous.policy)
    if (p.prev !== prevCid || p.version !== previous.policy.version + 1 || p.subnet !== previous.policy.subnet) {
      throw policyViolation('policy_chain', `policy ${cid} (version ${p.version}) does not follow version ${previous.policy.version} (${prevCid}) of ${previous.policy.subnet}`)
    }
  } else if (p.version !== 1) {
    throw policyViolation('policy_chain', `policy version ${p.version} of ${p.subnet} arrives without the version it replaces`)
  }
  const governors = previous?.policy ?? p
  const bytes = signingBytes(DOMAINS.policy, compact(p))
  const valid = new Set<string>()
  for (const s of signed.signatures ?? []) {
    if (!governors.admins.includes(s.signer)) continue
    if (!await verifier.verify(s.signer, s.signature, bytes)) {
      throw policyViolation('policy_tampered', `the signature of admin ${s.signer} does not match policy ${cid}: the policy was altered after signing`, { cid })
    }
    valid.add(s.signer)
  }
  if (valid.size < governors.adminQuorum) {
    throw policyViolation('policy_quorum', `policy ${cid} of ${p.subnet} has ${valid.size} valid admin signature(s); ${governors.adminQuorum} needed`, { cid })
  }
  return cid
}
