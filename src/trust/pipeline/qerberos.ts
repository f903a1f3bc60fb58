/**
 * Qerberos: security checks.
 * - cached (`check`): payload size limit; the action allow-list (which actions may run, which
 *   hosts `qflow.action.http` may call), over the flow's steps as written on admission and the
 *   resolved params before each step;
 * - every time (`gate`): timestamp skew and nonce replay on admission (a step re-check accepts
 *   its own operation's nonce), a per-identity token bucket, and burst flags (warnings);
 * - on acceptance (`commit`): the nonce is recorded.
 */
import { ErrorType } from '../../../shared/errors.js'
import type { FlowStep } from '../../../shared/flow.js'
import type { ValidationIssue } from '../../../shared/trust.js'
import { checkFreshness, DEFAULT_SKEW_MS, recordNonce } from '../envelope.js'
import { flowSteps } from '../flow-steps.js'
import { matches } from '../grants/capability.js'
import { hostOf } from '../grants/needs.js'
import type { ReplayCache } from '../replay-cache.js'
import { tokenBuckets } from './token-bucket.js'
import type { TokenBucketInit } from './token-bucket.js'
import { verdict } from './types.js'
import type { LayerInput, LayerVerdict, ValidationLayer } from './types.js'

export interface AllowList {
  /** Action names steps may call (patterns: `qflow.action.*`); default: any. */
  actions?: readonly string[]
  /** Host patterns per action (`api.example.com`, `*.example.org`, `*`); an action listed here may only call those. */
  hosts?: Readonly<Record<string, readonly string[]>>
  /** Upper bounds on step `resourceLimits` (`maxMemoryMB`: 256, …). */
  resourceCaps?: Readonly<Record<string, number>>
  /** Changes when the list does. */
  version?: string | number
}

export interface QerberosInit {
  replay: ReplayCache
  skewMs?: number
  /** Admissions per identity (default 50 at once, 20/s). */
  rateLimit?: TokenBucketInit
  /** Identities exempt from the rate limit and burst flags (a node's own identity). */
  unlimited?: readonly string[]
  /** dag-cbor bytes of the payload (default 1 MiB). */
  maxPayloadBytes?: number
  allowList?: AllowList | (() => AllowList)
  /** The allow-list of a flow's DAO subnet (its policy), checked as well as the node's. */
  subnetAllowList?(daoSubnet: string): AllowList
  /** Changes whenever any subnet allow-list does (part of the policy version). */
  subnetVersion?(): string | number
  /** More than `threshold` admissions of one identity within `windowMs` is flagged (default 20 in 1 s). */
  burst?: { windowMs: number, threshold: number }
}

const hostPattern = (pattern: string, host: string): boolean =>
  pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : matches(pattern, host)

export function qerberosLayer (init: QerberosInit): ValidationLayer<'qerberos'> {
  const skewMs = init.skewMs ?? DEFAULT_SKEW_MS
  const buckets = tokenBuckets(init.rateLimit ?? { capacity: 50, perSecond: 20 })
  const maxBytes = init.maxPayloadBytes ?? 1024 * 1024
  const burst = init.burst ?? { windowMs: 1000, threshold: 20 }
  const windows = new Map<string, { start: number, count: number }>()
  const unlimited = new Set(init.unlimited ?? [])
  const allow = (): AllowList => typeof init.allowList === 'function' ? init.allowList() : init.allowList ?? {}

  function stepIssues (step: FlowStep, params: Record<string, unknown>, list: AllowList, path: string): ValidationIssue[] {
    const out: ValidationIssue[] = []
    if (list.actions != null && !list.actions.some(p => matches(p, step.action))) {
      out.push({ code: 'action_not_allowed', type: ErrorType.DAO_POLICY_VIOLATION, message: `step ${step.id} calls ${step.action}, which is not on the action allow-list`, path })
    }
    for (const [limit, value] of Object.entries(step.resourceLimits ?? {})) {
      const cap = list.resourceCaps?.[limit]
      if (cap != null && typeof value === 'number' && value > cap) {
        out.push({ code: 'resource_cap_exceeded', type: ErrorType.DAO_POLICY_VIOLATION, message: `step ${step.id} asks for ${limit} ${value}; the cap is ${cap}`, path: `${path}.resourceLimits.${limit}` })
      }
    }
    const hosts = list.hosts?.[step.action]
    const host = hostOf(params.url)
    if (hosts != null && host != null && !hosts.some(p => hostPattern(p, host))) {
      out.push({ code: 'host_not_allowed', type: ErrorType.DAO_POLICY_VIOLATION, message: `step ${step.id} (${step.action}) may not call ${host}: allowed hosts are ${hosts.join(', ') || 'none'}`, path: `${path}.params.url` })
    }
    return out
  }

  function freshness (input: LayerInput): LayerVerdict | undefined {
    const { envelope } = input.operation
    try {
      if (input.mode === 'admit') checkFreshness(envelope, { clock: { now: () => input.now }, replay: init.replay, skewMs, opHash: input.opHash })
      else checkFreshness(envelope, { clock: { now: () => envelope.timestamp }, replay: init.replay, skewMs, opHash: input.opHash, allowSame: true })
    } catch (err: any) {
      return verdict({ errors: [{ code: err.code, type: err.type, message: err.message }] })
    }
    return undefined
  }

  return {
    name: 'qerberos',
    policyVersion: () => `${allow().version ?? 0}/${init.subnetVersion?.() ?? 0}`,
    check (input) {
      const size = input.payloadSize
      if (size > maxBytes) {
        return verdict({ errors: [{ code: 'payload_too_large', type: ErrorType.RESOURCE_EXHAUSTED, message: `the payload is ${size} bytes; the limit is ${maxBytes}` }] })
      }
      const { flow, step } = input
      const subnet = flow?.metadata.daoSubnet
      const lists = subnet != null && init.subnetAllowList != null ? [allow(), init.subnetAllowList(subnet)] : [allow()]
      const errors = lists.flatMap(list => step != null
        ? stepIssues(step.step, step.params, list, `steps.${step.step.id}`)
        : (flow != null ? flowSteps(flow) : []).flatMap(({ step: s, path }) => stepIssues(s, s.params, list, path)))
      return verdict({ errors, metadata: { payloadBytes: size } })
    },
    gate (input) {
      const stale = freshness(input)
      if (stale != null || input.mode !== 'admit') return stale
      const actor = input.operation.actor
      if (unlimited.has(actor)) return undefined
      const taken = buckets.take(actor, input.now)
      if (!taken.ok) {
        return verdict({ errors: [{ code: 'rate_limited', type: ErrorType.RESOURCE_EXHAUSTED, message: `${actor} is over its rate limit; retry in ${taken.retryAfterMs} ms` }], retryAfterMs: taken.retryAfterMs })
      }
      let w = windows.get(actor)
      if (w == null || input.now - w.start >= burst.windowMs) {
        if (w == null && windows.size >= 100_000) windows.clear()
        w = { start: input.now, count: 0 }
        windows.set(actor, w)
      }
      w.count++
      return w.count > burst.threshold
        ? verdict({ warnings: [{ code: 'burst', message: `${actor} sent ${w.count} operations within ${burst.windowMs} ms` }] })
        : undefined
    },
    commit (input) {
      if (input.mode === 'admit' || init.replay.lookup(input.operation.actor, input.operation.envelope.nonce) == null) {
        // a step re-check may come long after admission: remember the nonce for a window from now
        recordNonce(input.operation.envelope, { replay: init.replay, skewMs, opHash: input.opHash, expiresAt: input.now + skewMs })
      }
    }
  }
}
