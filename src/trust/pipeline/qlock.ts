/**
 * Qlock: the operation is what its actor signed (envelope shape, actor/type/target agree,
 * payload matches `payloadHash`, Ed25519 signature), and a payload that must be encrypted is:
 * private and dao-only flows take a sealed payload under a key of the flow's owner that this
 * node holds and that opens it. Pure: cached until the policy version changes.
 */
import { ErrorType } from '../../../shared/errors.js'
import type { FlowDefinition } from '../../../shared/flow.js'
import type { Keyring } from '../../state/qlock/keyring.js'
import { verifyEnvelopeSignature } from '../envelope.js'
import type { SignatureVerifier } from '../identity/verifier.js'
import { isSealedPayload, openPayload } from '../sealed-payload.js'
import { verdict } from './types.js'
import type { LayerInput, LayerVerdict, ValidationLayer } from './types.js'

export interface QlockInit {
  verifier: SignatureVerifier
  /** This node's keys; without it, sealed payloads are checked for shape only. */
  keys?: Pick<Keyring, 'get'>
  /** Visibilities whose payloads must be sealed (default private and dao-only). */
  sealed?: ReadonlyArray<FlowDefinition['metadata']['visibility']>
  /** Open the payload to prove this node can (default true when `keys` is given). */
  trialDecrypt?: boolean
}

const fail = (code: string, type: typeof ErrorType[keyof typeof ErrorType], message: string): LayerVerdict =>
  verdict({ errors: [{ code, type, message }] })

export function qlockLayer (init: QlockInit): ValidationLayer<'qlock'> {
  const sealedVisibilities = init.sealed ?? ['private', 'dao-only']
  const trial = init.trialDecrypt ?? true

  async function checkSealed (input: LayerInput, flow: FlowDefinition): Promise<LayerVerdict | undefined> {
    const { operation } = input
    if (!isSealedPayload(operation.payload)) {
      return fail('payload_not_encrypted', ErrorType.VALIDATION_ERROR,
        `flow ${flow.id} is ${flow.metadata.visibility}: its payload must be sealed with a Qlock key of ${flow.metadata.daoSubnet ?? flow.owner}, not sent in clear`)
    }
    if (init.keys == null) return undefined
    const owner = flow.metadata.daoSubnet ?? flow.owner
    let key
    try {
      key = await init.keys.get(operation.payload.keyId)
    } catch {
      return fail('no_decryption_key', ErrorType.PERMISSION_DENIED, `this node holds no key ${operation.payload.keyId}: it cannot decrypt the payload of flow ${flow.id}`)
    }
    if (key.owner !== owner) {
      return fail('key_owner_mismatch', ErrorType.PERMISSION_DENIED, `the payload is sealed with a key of ${key.owner}, but flow ${flow.id} belongs to ${owner}`)
    }
    if (trial) {
      try {
        await openPayload(key, operation.payload, operation.target)
      } catch {
        return fail('payload_undecryptable', ErrorType.VALIDATION_ERROR, `the sealed payload does not open with key ${key.id} for target ${operation.target} (altered, or sealed for another target)`)
      }
    }
    return undefined
  }

  return {
    name: 'qlock',
    scope: () => '',
    async check (input) {
      const { operation, flow } = input
      const env = operation.envelope
      for (const field of ['actor', 'type', 'target'] as const) {
        if (env?.[field] !== operation[field]) {
          return fail('envelope_mismatch', ErrorType.VALIDATION_ERROR, `the operation's ${field} (${String(operation[field])}) is not the signed one (${String(env?.[field])})`)
        }
      }
      await verifyEnvelopeSignature(env, init.verifier, { hash: input.payloadCid })
      const encrypted = isSealedPayload(operation.payload)
      if (flow != null && sealedVisibilities.includes(flow.metadata.visibility) && operation.type !== 'external-event') {
        const problem = await checkSealed(input, flow)
        if (problem != null) return problem
      }
      return verdict({ metadata: { actor: env.actor, signer: init.verifier.backend, encrypted } })
    }
  }
}
