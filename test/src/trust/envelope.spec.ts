import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SignedEnvelope } from '../../../shared/trust.js'
import {
  checkFreshness, createIdentity, DEFAULT_SKEW_MS, payloadHash, replayCache, signatureVerifier, signEnvelope, verifyEnvelope, verifyEnvelopeSignature
} from '../../../src/trust/index.js'
import { fakeClock } from '../../fixtures/fake-clock.js'

const alice = await createIdentity()
const bob = await createIdentity()
const verifier = await signatureVerifier()

async function setup (): Promise<{ clock: ReturnType<typeof fakeClock>, options: Parameters<typeof verifyEnvelope>[1] }> {
  const clock = fakeClock()
  return { clock, options: { verifier, clock, replay: replayCache(clock) } }
}

describe('signed envelopes', () => {
  it('verifies once; the same nonce again is a replay', async () => {
    const { clock, options } = await setup()
    const env = await signEnvelope(alice, { type: 'flow-execution', target: 'f', payload: { a: 1 } }, { clock })
    expect(env).toMatchObject({ actor: alice.id, type: 'flow-execution', target: 'f', payloadHash: payloadHash({ a: 1 }), timestamp: clock.now() })
    await expect(verifyEnvelope(env, { ...options, payload: { value: { a: 1 } } })).resolves.toEqual(env)
    await expect(verifyEnvelope(env, options)).rejects.toMatchObject({ name: 'ReplayError', code: 'nonce_reused', type: 'permission_denied', message: /already used/ })
  })

  it('rejects a payload other than the signed one, a forged signature and another key', async () => {
    const { clock, options } = await setup()
    const env = await signEnvelope(alice, { type: 'flow-execution', target: 'f', payload: { a: 1 } }, { clock })
    await expect(verifyEnvelope(env, { ...options, payload: { value: { a: 2 } } })).rejects.toMatchObject({ name: 'MalformedError', code: 'payload_mismatch' })
    const byBob = await signEnvelope(bob, { type: 'flow-execution', target: 'f', payload: { a: 1 } }, { clock, nonce: env.nonce })
    await expect(verifyEnvelope({ ...env, signature: byBob.signature }, options)).rejects.toMatchObject({ name: 'InvalidSignatureError', type: 'permission_denied', message: /does not verify for did:key/ })
    await expect(verifyEnvelope({ ...byBob, actor: alice.id }, options)).rejects.toMatchObject({ code: 'signature_invalid' })
  })

  it('accepts timestamps within ±5 min and rejects beyond, in both directions', async () => {
    const { clock, options } = await setup()
    for (const [offset, ok] of [[-DEFAULT_SKEW_MS, true], [DEFAULT_SKEW_MS, true], [-DEFAULT_SKEW_MS - 1, false], [DEFAULT_SKEW_MS + 1, false]] as const) {
      const env = await signEnvelope(alice, { type: 'external-event', target: 'e', payload: null }, { clock: { now: () => clock.now() + offset } })
      if (ok) await expect(verifyEnvelope(env, options)).resolves.toBeDefined()
      else await expect(verifyEnvelope(env, options)).rejects.toMatchObject({ name: 'ClockSkewError', code: 'timestamp_skew', message: offset < 0 ? /in the past/ : /in the future/ })
    }
  })

  it('forgets a nonce once its envelope is outside the skew window, and fails closed when full', async () => {
    const clock = fakeClock()
    const replay = replayCache(clock, { maxEntries: 2 })
    const env = await signEnvelope(alice, { type: 'external-event', target: 'e', payload: 1 }, { clock })
    await verifyEnvelope(env, { verifier, clock, replay })
    await verifyEnvelope(await signEnvelope(alice, { type: 'external-event', target: 'e', payload: 2 }, { clock }), { verifier, clock, replay })
    const third = await signEnvelope(alice, { type: 'external-event', target: 'e', payload: 3 }, { clock })
    await expect(verifyEnvelope(third, { verifier, clock, replay })).rejects.toMatchObject({ code: 'replay_cache_full', type: 'resource_exhausted', retryable: true })
    await clock.advance(DEFAULT_SKEW_MS + 1)
    expect(replay.lookup(alice.id, env.nonce)).toBeUndefined()
    // the replay is now stale rather than remembered
    expect(() => { checkFreshness(env, { clock, replay }) }).toThrow(expect.objectContaining({ code: 'timestamp_skew' }))
    const fresh = await signEnvelope(alice, { type: 'external-event', target: 'e', payload: 4 }, { clock })
    await expect(verifyEnvelope(fresh, { verifier, clock, replay })).resolves.toBeDefined()
  })

  it('names the malformed field', async () => {
    const { options, clock } = await setup()
    const env = await signEnvelope(alice, { type: 'flow-execution', target: 'f', payload: 1 }, { clock })
    for (const [patch, why] of [[{ actor: 'bob' }, /actor/], [{ type: 'x' }, /type/], [{ nonce: 'short' }, /nonce/], [{ timestamp: 1.5 }, /timestamp/], [{ signature: 'x' }, /signature/]] as const) {
      await expect(verifyEnvelope({ ...env, ...patch }, options)).rejects.toMatchObject({ name: 'MalformedError', code: 'envelope_malformed', message: why })
    }
  })
})

describe('envelope properties', () => {
  const fields = fc.record({
    type: fc.constantFrom('flow-execution', 'step-execution', 'external-event') as fc.Arbitrary<SignedEnvelope['type']>,
    target: fc.string({ minLength: 1, maxLength: 20 }),
    payload: fc.oneof(fc.integer(), fc.string(), fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.boolean(), fc.string()))),
    offset: fc.integer({ min: -DEFAULT_SKEW_MS, max: DEFAULT_SKEW_MS })
  })
  const field = fc.constantFrom('actor', 'type', 'target', 'payloadHash', 'nonce', 'timestamp', 'signature') as fc.Arbitrary<keyof SignedEnvelope>

  function mutate (env: SignedEnvelope, key: keyof SignedEnvelope, seed: number): SignedEnvelope {
    const flip = (s: string): string => {
      const i = seed % s.length
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz234567'
      const c = alphabet[(alphabet.indexOf(s[i]) + 1 + (seed % 7)) % alphabet.length]
      return s.slice(0, i) + (c === s[i] ? (c === 'A' ? 'B' : 'A') : c) + s.slice(i + 1)
    }
    switch (key) {
      case 'actor': return { ...env, actor: env.actor === alice.id ? bob.id : alice.id }
      case 'type': return { ...env, type: env.type === 'flow-execution' ? 'external-event' : 'flow-execution' }
      case 'target': return { ...env, target: env.target + String.fromCharCode(97 + seed % 26) }
      case 'payloadHash': return { ...env, payloadHash: payloadHash({ other: seed }) }
      case 'nonce': return { ...env, nonce: flip(env.nonce) }
      case 'timestamp': return { ...env, timestamp: env.timestamp + 1 + seed % 1000 }
      case 'signature': return { ...env, signature: flip(env.signature.slice(0, 85)) + env.signature[85] }
    }
    return env
  }

  it('any change to any field of a signed envelope fails verification', async () => {
    const clock = fakeClock()
    await fc.assert(fc.asyncProperty(fields, field, fc.nat(), fc.boolean(), async (f, key, seed, byAlice) => {
      const signer = byAlice ? alice : bob
      const env = await signEnvelope(signer, f, { clock: { now: () => clock.now() + f.offset } })
      await expect(verifyEnvelopeSignature(env, verifier, { value: f.payload })).resolves.toBeDefined()
      const changed = mutate(env, key, seed)
      const payload = key === 'payloadHash' ? undefined : { value: f.payload }
      await expect(verifyEnvelopeSignature(changed, verifier, payload)).rejects.toMatchObject({ type: expect.stringMatching(/permission_denied|validation_error/) })
    }), { numRuns: 150 })
  })

  it('a verified envelope verifies exactly once within its window', async () => {
    await fc.assert(fc.asyncProperty(fields, async (f) => {
      const clock = fakeClock()
      const options = { verifier, clock, replay: replayCache(clock) }
      const env = await signEnvelope(alice, f, { clock: { now: () => clock.now() + f.offset } })
      await verifyEnvelope(env, options)
      await expect(verifyEnvelope(env, options)).rejects.toMatchObject({ code: 'nonce_reused' })
    }), { numRuns: 40 })
  })
})
