/**
 * Collecting admin signatures on a policy version. A version that lacks the quorum of its
 * governors (the admins of the version it replaces; its own admins for a genesis) is pending:
 * each admin adds a signature until it can be published. Signatures already on a document are
 * checked first, whoever made them, so an altered document is refused as tampered, not
 * silently re-signed.
 */
import type { DaoPolicy, SignedDaoPolicy } from '../../../shared/trust.js'
import { policyCid, policyViolation, signPolicy } from '../dao/policy.js'
import { compact, DOMAINS, signingBytes } from '../encoding.js'
import type { SquidIdentity } from '../identity/identity.js'
import type { SignatureVerifier } from '../identity/verifier.js'

export interface SignatureCount {
  /** Governors whose signature is on the document */
  signers: string[]
  needed: number
  governors: string[]
}

/** Throws `policy_tampered` when any signature on the document does not match its policy. */
export async function checkSignatures (signed: SignedDaoPolicy, verifier: SignatureVerifier): Promise<void> {
  const bytes = signingBytes(DOMAINS.policy, compact(signed.policy))
  for (const s of signed.signatures) {
    let ok = false
    try { ok = await verifier.verify(s.signer, s.signature, bytes) } catch { ok = false }
    if (!ok) {
      throw policyViolation('policy_tampered', `the signature of ${String(s.signer)} does not match policy ${policyCid(signed.policy)} of ${signed.policy.subnet}: the policy was altered after signing; get a fresh copy from its admins (qflow dao policy ${signed.policy.subnet} --json)`,
        { cid: policyCid(signed.policy) })
    }
  }
}

/** One signature per signer, `b`'s added to `a`'s. */
export function mergeSignatures (a: SignedDaoPolicy, b: SignedDaoPolicy): SignedDaoPolicy {
  const seen = new Set(a.signatures.map(s => s.signer))
  return { policy: a.policy, signatures: [...a.signatures, ...b.signatures.filter(s => !seen.has(s.signer) && (seen.add(s.signer), true))] }
}

export function countSignatures (signed: SignedDaoPolicy, governing: DaoPolicy): SignatureCount {
  const signers = [...new Set(signed.signatures.map(s => s.signer))].filter(s => governing.admins.includes(s))
  return { signers, needed: governing.adminQuorum, governors: governing.admins }
}

/**
 * Adds `signer`'s signature when it governs and has not signed yet. A non-governor may only
 * relay a document its governors already signed to quorum (`not_an_admin` otherwise).
 */
export async function cosign (signed: SignedDaoPolicy, governing: DaoPolicy, signer: SquidIdentity | undefined): Promise<SignedDaoPolicy> {
  const already = signed.signatures.some(s => s.signer === signer?.id)
  if (signer != null && governing.admins.includes(signer.id)) return already ? signed : await signPolicy(signed, [signer])
  if (countSignatures(signed, governing).signers.length >= governing.adminQuorum) return signed
  throw policyViolation('not_an_admin', `${signer?.id ?? 'nobody'} is not an admin of ${governing.subnet}: only its admins (${governing.admins.join(', ')}) sign new policy versions`)
}

/** Normalises a document that may be a bare policy or `{ policy, signatures }` (extra fields dropped). */
export function asSigned (doc: DaoPolicy | SignedDaoPolicy): SignedDaoPolicy {
  if ('policy' in doc && doc.policy != null && typeof doc.policy === 'object') {
    const signatures = Array.isArray(doc.signatures) ? doc.signatures.map(s => ({ signer: s?.signer, signature: s?.signature })) : []
    return { policy: doc.policy, signatures }
  }
  return { policy: doc as DaoPolicy, signatures: [] }
}
