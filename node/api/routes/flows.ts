/**
 * `/api/v1/flows`: create (JSON or YAML, defaults applied and reported), list with filters,
 * get, update, delete, start an execution, trigger an event (delivered to the flow's waiting
 * executions; when the flow's first step is `qflow.trigger.event` for that event, it also
 * starts a new execution with the payload as input).
 *
 * Starts (`/start`, and `/trigger` when it starts one) take an optional `operation`: a start
 * operation the caller signed (`signStart`), admitted as its signer through `start` (the
 * runtime's admission); an authenticated caller may only present its own. Without one, the
 * node signs the start for the caller (`engine.startExecution`, `triggeredBy` = the caller).
 */
import { Hono } from 'hono'
import type { Context } from 'hono'
import { z } from 'zod'
import type { ExecutionContext } from '../../../shared/execution.js'
import type { FlowDefinition } from '../../../shared/flow.js'
import type { Operation } from '../../../shared/trust.js'
import { VISIBILITIES } from '../../../shared/flow.js'
import { applyDefaults, InvalidFlowError, NotFoundError, validateFlow } from '../../../src/index.js'
import type { ActionRegistry, AppliedDefault, ExecutionEngine, StateStore } from '../../../src/index.js'
import { assertVisible, getAccess } from '../access.js'
import { ForbiddenError } from '../auth/errors.js'
import { readDocument, readJson } from '../body.js'
import { atPath, FlowExistsError, InvalidRequestError, isTrustError } from '../errors.js'
import { asOperation, OperationSchema } from '../operation-body.js'
import { flowCid } from '../../../src/trust/index.js'
import { parseWebhookParams, redactWebhookSecrets, WEBHOOK_TRIGGER } from '../webhook-params.js'

/**
 * Admits a start operation signed elsewhere as its signer and starts the execution it names
 * (the relay passes `runtime.start`); rejects with the trust error when it is refused.
 */
export type AdmittedStart = (flowId: string, input: Record<string, unknown>, options: { operation: Operation, context: Partial<ExecutionContext> }) => Promise<string>

export interface FlowRoutesComponents {
  engine: Pick<ExecutionEngine, 'registerFlow' | 'startExecution' | 'deliverEvent' | 'deleteFlow' | 'getFlow'>
  actions: ActionRegistry
  store: Pick<StateStore, 'getFlow' | 'listFlows' | 'listFlowVersions' | 'deleteFlow' | 'listExecutions'>
  /** ISO 8601 time for defaulted `createdAt` / `updatedAt`. */
  now: () => string
  /** Starts with a signed `operation`; absent: bodies with one are refused (400). */
  start?: AdmittedStart
}

const jsonObject = z.record(z.string(), z.unknown(), { error: 'must be an object' })

export const StartBody = z.strictObject({
  inputData: jsonObject.optional(),
  variables: jsonObject.optional(),
  /** A start operation signed by the caller (`signStart`): the execution is admitted as its signer. */
  operation: OperationSchema.optional()
}, { error: 'must be an object' })

export const TriggerBody = z.strictObject({
  event: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }),
  payload: z.unknown().optional(),
  /** When the event starts the flow: a start operation signed by the caller for the payload as input. */
  operation: OperationSchema.optional()
}, { error: 'must be an object' })

const FILTERS = ['tag', 'category', 'owner', 'visibility'] as const

export function flowRoutes (components: FlowRoutesComponents): Hono {
  const { engine, actions, store, now } = components
  const app = new Hono()

  /**
   * Starts `flowId` as the signer of `operation`: 403 unless the authenticated caller signed it,
   * a trust refusal answers at path `operation` (nothing is started).
   */
  const startSigned = async (c: Context, flowId: string, parsed: z.infer<typeof OperationSchema>, input: Record<string, unknown>, context: Partial<ExecutionContext>): Promise<string> => {
    const operation = asOperation(parsed)
    const access = getAccess(c)
    if (access.enforced && operation.actor !== access.identity) {
      throw atPath(new ForbiddenError(`the operation is signed by ${operation.actor}, but the request is authenticated as ${access.identity ?? 'nobody'}: present an operation you signed yourself`), 'operation')
    }
    if (components.start == null) throw new InvalidRequestError([{ path: 'operation', message: 'this API does not admit signed operations (no admission is configured): leave it out' }])
    try {
      return await components.start(flowId, input, { operation, context })
    } catch (err) {
      throw isTrustError(err) ? atPath(err, 'operation') : err
    }
  }

  /** Defaults, then validation with the action registry; throws InvalidFlowError with every path. */
  const prepare = (doc: unknown, fill: Record<string, string | undefined> = {}): { flow: FlowDefinition, defaults: AppliedDefault[], warnings: unknown[] } => {
    const withFill = doc != null && typeof doc === 'object' && !Array.isArray(doc)
      ? { ...Object.fromEntries(Object.entries(fill).filter(([, v]) => v != null)), ...(doc as Record<string, unknown>) }
      : doc
    const { doc: filled, defaults } = applyDefaults(withFill, { now: now() })
    const result = validateFlow(filled, { actions })
    if (!result.valid) throw new InvalidFlowError(result.errors)
    const flow = filled as FlowDefinition
    flow.steps.forEach((step, index) => {
      if (step.action !== WEBHOOK_TRIGGER) return
      const webhook = parseWebhookParams(step.params, index)
      if (!webhook.ok) throw new InvalidFlowError(webhook.errors)
    })
    return { flow, defaults, warnings: result.warnings }
  }

  /** 403 unless the caller may own `flow` and is a member of its subnet. */
  const mayWrite = async (c: Context, flow: FlowDefinition): Promise<void> => {
    const access = getAccess(c)
    if (!access.manages(flow.owner)) throw new ForbiddenError(`${access.identity ?? 'an anonymous caller'} may not write flows owned by ${flow.owner}`)
    const subnet = flow.metadata.daoSubnet
    if (subnet != null && !await access.member(subnet)) throw new ForbiddenError(`${access.identity ?? 'an anonymous caller'} is not a member of the DAO subnet "${subnet}"`)
  }

  /** A flow the caller may see (404 otherwise, as for an unknown id). */
  const visibleFlow = async (c: Context, id: string): Promise<FlowDefinition> => {
    const flow = await existing(id)
    await assertVisible(c, flow.metadata.daoSubnet, `no flow with id "${id}"`)
    return flow
  }

  const existing = async (id: string): Promise<FlowDefinition> => {
    const flow = await store.getFlow(id)
    if (flow == null) throw new NotFoundError(`no flow with id "${id}"`)
    return flow
  }

  app.post('/', async (c) => {
    const access = getAccess(c)
    await access.require('flows:write')
    const { flow, defaults, warnings } = prepare(await readDocument(c), { owner: access.identity })
    await mayWrite(c, flow)
    if (await store.getFlow(flow.id) != null) throw new FlowExistsError(flow.id)
    const version = await engine.registerFlow(flow)
    return c.json({ flow, version, defaults, warnings }, 201)
  })

  app.get('/', async (c) => {
    const query = c.req.query()
    const unknown = Object.keys(query).filter(k => !(FILTERS as readonly string[]).includes(k))
    if (unknown.length > 0) throw new InvalidRequestError(unknown.map(k => ({ path: k, message: `unknown filter (use ${FILTERS.join(', ')})` })))
    if (query.visibility != null && !(VISIBILITIES as readonly string[]).includes(query.visibility)) {
      throw new InvalidRequestError([{ path: 'visibility', message: `must be one of ${VISIBILITIES.join(', ')}` }])
    }
    const access = getAccess(c)
    const all = await store.listFlows()
    const visible = await Promise.all(all.map(async f => await access.visible(f.metadata.daoSubnet)))
    const flows = all.filter((f, i) => visible[i] &&
      (query.tag == null || f.metadata.tags.includes(query.tag)) &&
      (query.category == null || f.metadata.category === query.category) &&
      (query.owner == null || f.owner === query.owner) &&
      (query.visibility == null || f.metadata.visibility === query.visibility)
    ).sort((a, b) => a.id.localeCompare(b.id))
    return c.json({ flows: flows.map(f => access.manages(f.owner) ? f : redactWebhookSecrets(f)) })
  })

  app.get('/:id', async (c) => {
    const id = c.req.param('id')
    const flow = await visibleFlow(c, id)
    const shown = getAccess(c).manages(flow.owner) ? flow : redactWebhookSecrets(flow)
    // what a signed start names (`flowCid` of the definition this relay runs, secrets included)
    return c.json({ flow: shown, flowCid: flowCid(flow), versions: await store.listFlowVersions(id) })
  })

  app.put('/:id', async (c) => {
    const id = c.req.param('id')
    await getAccess(c).require('flows:write')
    const before = await visibleFlow(c, id)
    await mayWrite(c, before)
    const { flow, defaults, warnings } = prepare(await readDocument(c), { id, createdAt: before.createdAt, owner: before.owner })
    if (flow.id !== id) throw new InvalidRequestError([{ path: 'id', message: `must be "${id}", the id in the URL` }])
    await mayWrite(c, flow)
    const version = await engine.registerFlow(flow)
    return c.json({ flow, version, defaults, warnings })
  })

  app.delete('/:id', async (c) => {
    const id = c.req.param('id')
    const access = getAccess(c)
    await access.require('flows:write')
    if (access.enforced) await mayWrite(c, await visibleFlow(c, id))
    if (!await engine.deleteFlow(id)) throw new NotFoundError(`no flow with id "${id}"`)
    return c.body(null, 204)
  })

  app.post('/:id/start', async (c) => {
    const id = c.req.param('id')
    const access = getAccess(c)
    await access.require('executions:start')
    // the engine's cached copy: starting stays one store read cheaper than a lookup
    if (access.enforced) await assertVisible(c, (await engine.getFlow(id)).metadata.daoSubnet, `no flow with id "${id}"`)
    const body = await readJson(c, StartBody)
    if (body.operation != null) {
      const executionId = await startSigned(c, id, body.operation, body.inputData ?? {}, body.variables != null ? { variables: body.variables } : {})
      return c.json({ executionId, actor: body.operation.actor }, 201)
    }
    const executionId = await engine.startExecution(id, {
      ...(access.identity != null ? { triggeredBy: access.identity } : {}),
      ...(body.inputData != null ? { inputData: body.inputData } : {}),
      ...(body.variables != null ? { variables: body.variables } : {})
    })
    return c.json({ executionId }, 201)
  })

  app.post('/:id/trigger', async (c) => {
    const id = c.req.param('id')
    await getAccess(c).require('executions:start')
    const body = await readJson(c, TriggerBody)
    const flow = await visibleFlow(c, id)
    const payload = body.payload ?? null
    const first = flow.steps[0]
    const startsOn = first.action === 'qflow.trigger.event' && first.params.event === body.event
    if (startsOn && (typeof payload !== 'object' || payload === null || Array.isArray(payload))) {
      throw new InvalidRequestError([{ path: 'payload', message: `must be an object: it is the input of the execution "${body.event}" starts` }])
    }
    // refused before anything is delivered: an operation is only for an event that starts the flow
    if (!startsOn && body.operation != null) {
      throw new InvalidRequestError([{ path: 'operation', message: `"${body.event}" does not start flow ${id} (its trigger is ${first.action}${first.action === 'qflow.trigger.event' ? ` on "${String(first.params.event)}"` : ''}): there is no start to sign; leave it out` }])
    }
    const waiting = await store.listExecutions({ active: true, flowId: id })
    const deliver = async (): Promise<number> => {
      let delivered = 0
      for (const { executionId } of waiting) delivered += await engine.deliverEvent(body.event, payload, { executionId })
      return delivered
    }
    if (!startsOn) return c.json({ delivered: await deliver() })
    // the flow's own trigger is this event: a new execution with the payload as its input; a
    // refused signed start delivers nothing (the executions that waited before it are served after)
    if (body.operation != null) {
      const executionId = await startSigned(c, id, body.operation, payload as Record<string, unknown>, { triggerType: 'event' })
      return c.json({ delivered: await deliver(), executionId, actor: body.operation.actor }, 201)
    }
    const delivered = await deliver()
    const identity = getAccess(c).identity
    const executionId = await engine.startExecution(id, { inputData: payload as Record<string, unknown>, triggerType: 'event', ...(identity != null ? { triggeredBy: identity } : {}) })
    return c.json({ delivered, executionId }, 201)
  })

  return app
}
