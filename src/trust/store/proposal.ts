/**
 * Code proposals: a member puts a code CID up for a vote in a subnet. A proposal is the
 * member's signed envelope (`external-event`, target `dao:<subnet>`) over the payload
 * `{ kind: 'dao-proposal', subnet, cid, policy }`, so who proposed what is provable; the
 * votes themselves are `SignedDaoVote`s.
 */
import type { SignedEnvelope } from '../../../shared/trust.js'
import type { Clock } from '../../interface/clock.js'
import { signEnvelope, verifyEnvelopeSignature } from '../envelope.js'
import type { SquidIdentity } from '../identity/identity.js'
import type { SignatureVerifier } from '../identity/verifier.js'
import { policyViolation } from '../dao/policy.js'

export interface ProposalPayload { kind: 'dao-proposal', subnet: string, cid: string, policy: string }

export interface CodeProposal { payload: ProposalPayload, envelope: SignedEnvelope }

export async function signProposal (proposer: SquidIdentity, fields: Omit<ProposalPayload, 'kind'>, options: { clock?: Pick<Clock, 'now'> } = {}): Promise<CodeProposal> {
  const payload: ProposalPayload = { kind: 'dao-proposal', subnet: fields.subnet, cid: fields.cid, policy: fields.policy }
  const envelope = await signEnvelope(proposer, { type: 'external-event', target: `dao:${fields.subnet}`, payload }, options.clock != null ? { clock: options.clock } : {})
  return { payload, envelope }
}

/** Throws `DaoPolicyError` (`proposal_forged`) unless the envelope signs this payload for its subnet. */
export async function verifyProposal (proposal: CodeProposal, verifier: SignatureVerifier): Promise<CodeProposal> {
  const { payload, envelope } = proposal ?? {}
  try {
    if (payload?.kind !== 'dao-proposal' || envelope?.target !== `dao:${payload.subnet}`) throw new Error('not a proposal for its subnet')
    await verifyEnvelopeSignature(envelope, verifier, { value: payload })
  } catch (err) {
    throw policyViolation('proposal_forged', `the proposal of ${String(payload?.cid)} is not validly signed by ${String(envelope?.actor)}: ${(err as Error).message}`)
  }
  return proposal
}
