/**
 * The OpenAPI 3.1 document of the API (`GET /api/v1/openapi.json`). Request bodies come from
 * the zod schemas (`shared/flow.ts`, the routes' command bodies) through `z.toJSONSchema`, so
 * the document cannot drift from what the routes accept; a test checks that every registered
 * route is in it.
 */
import { z } from 'zod'
import { flowJsonSchema } from '../../shared/flow-schema-json.js'
import { AbortBody } from './routes/executions.js'
import { StartBody, TriggerBody } from './routes/flows.js'
import { PublishEventBody } from './routes/events.js'
import { SIGNATURE_HEADER } from './auth/request-signature.js'
import { WebhookAuthSchema, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TOKEN_HEADER } from './webhook-params.js'

type Json = Record<string, unknown>

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: Json, description: string): Json => ({ description, content: { 'application/json': { schema } } })
const body = (schema: Json, required = true): Json => ({ required, content: { 'application/json': { schema } } })
const toSchema = (schema: z.ZodType): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json
  return rest
}
const errors = (...codes: number[]): Json => Object.fromEntries(codes.map(code => [String(code), { $ref: `#/components/responses/E${code}` }]))
const pathParam = (name: string, description: string): Json => ({ name, in: 'path', required: true, schema: { type: 'string' }, description })
const queryParam = (name: string, description: string, schema: Json = { type: 'string' }): Json => ({ name, in: 'query', required: false, schema, description })

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed or invalid input (the path names the field)',
  401: 'Missing or bad credentials',
  403: 'Authenticated, but not permitted',
  404: 'Unknown (or hidden) resource',
  409: 'Conflict with the current state',
  413: 'Body over the size limit',
  415: 'Unsupported content-type',
  426: 'WebSocket endpoint called without an upgrade',
  429: 'Over the per-identity rate limit (see retry-after)',
  502: 'The webhook\'s execution failed or its response output is unusable',
  504: 'The webhook\'s execution did not finish in time'
}

const DAO_SUMMARY_REQUIRED = ['id', 'version', 'policyCid', 'members', 'admins', 'adminQuorum', 'approvalQuorum']
const DAO_SUMMARY: Json = {
  id: { type: 'string' }, version: { type: 'integer' }, policyCid: { type: 'string' },
  members: { type: 'array', items: { type: 'string' } }, admins: { type: 'array', items: { type: 'string' } },
  adminQuorum: { type: 'integer', description: 'Admin signatures a policy change needs' }, approvalQuorum: { type: 'integer', description: 'Member votes that approve code' }
}

export function openApiDocument (): Json {
  const flowId = pathParam('id', 'Flow id')
  const executionId = pathParam('id', 'Execution id')
  const flowDoc = { required: true, content: { 'application/json': { schema: ref('FlowDefinition') }, 'application/yaml': { schema: ref('FlowDefinition') } } }
  const flowWrite = json({ type: 'object', properties: { flow: ref('FlowDefinition'), version: { type: 'object' }, defaults: { type: 'array' }, warnings: { type: 'array' } } }, 'The stored flow, its version, the defaults applied and warnings')
  const state = json(ref('ExecutionState'), 'The execution\'s state')
  const ws = (summary: string, params: Json[]): Json => ({
    get: { summary, tags: ['streams'], parameters: params, responses: { 101: { description: 'Switching protocols: JSON messages follow' }, ...errors(401, 403, 404, 426) } }
  })
  return {
    openapi: '3.1.0',
    info: {
      title: 'Qflow relay API',
      version: '1',
      description: [
        'REST and WebSocket API of a Qflow relay. Errors are `{ type, message, path }` JSON.',
        `Mutating requests need \`authorization: Bearer <token>\` (a token issued to an sQuid identity; the owner's is in \`<data-dir>/owner.token\`) or a request signed by an sQuid identity in \`${SIGNATURE_HEADER}\`: base64 of a dag-cbor trust envelope (type \`external-event\`, target \`api:<METHOD> <path?query>\`, payload \`{ method, path, body: sha256 hex of the raw body }\`).`,
        'Flows and executions of a DAO subnet are visible only to its members. Webhooks authenticate per flow.',
        'Starts are admitted by a signed start operation. Without `operation` in the body the relay signs it for the caller (who is then `triggeredBy`); with one (`signStart`: its payload `{ flowId, flow: CID of the flow definition (flowCid), executionId, input: CID of the input data }` names the flow version and the execution, so the client picks the id) the execution is admitted as its signer, who must be the authenticated caller (else 403). A refused operation (forged, replayed, stale, missing grant) answers 4xx with `path: "operation"`, the seed\'s `errorType` and the check\'s `code`; nothing is started. A start operation without `flow` is refused (403 `admission_unbound`).'
      ].join('\n\n')
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { signature: [] }, {}],
    tags: [{ name: 'flows' }, { name: 'executions' }, { name: 'webhooks' }, { name: 'dao' }, { name: 'system' }, { name: 'streams' }],
    paths: {
      '/api/v1/flows': {
        get: {
          summary: 'List flows', tags: ['flows'],
          parameters: [queryParam('tag', 'Has this tag'), queryParam('category', 'In this category'), queryParam('owner', 'Owned by this identity'), queryParam('visibility', 'public, dao-only or private', { enum: ['public', 'dao-only', 'private'] })],
          responses: { 200: json({ type: 'object', properties: { flows: { type: 'array', items: ref('FlowDefinition') } } }, 'Flows the caller may see'), ...errors(400, 401, 429) }
        },
        post: { summary: 'Create a flow (JSON or YAML)', tags: ['flows'], requestBody: flowDoc, responses: { 201: flowWrite, ...errors(400, 401, 403, 409, 413, 415, 429) } }
      },
      '/api/v1/flows/{id}': {
        get: { summary: 'Get a flow and its versions', tags: ['flows'], parameters: [flowId], responses: { 200: json({ type: 'object', properties: { flow: ref('FlowDefinition'), flowCid: { type: 'string', description: 'CID of the definition the relay runs (webhook secrets included): what a signed start names as `flow`' }, versions: { type: 'array' } } }, 'The flow'), ...errors(401, 404, 429) } },
        put: { summary: 'Update a flow', tags: ['flows'], parameters: [flowId], requestBody: flowDoc, responses: { 200: flowWrite, ...errors(400, 401, 403, 404, 413, 415, 429) } },
        delete: { summary: 'Delete a flow', tags: ['flows'], parameters: [flowId], responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 429) } }
      },
      '/api/v1/flows/{id}/start': {
        post: {
          summary: 'Start an execution', tags: ['flows'], parameters: [flowId], requestBody: body(ref('StartBody'), false),
          description: 'With `operation` (a start operation the caller signed for this flow, execution id and input) the execution is admitted as its signer; `actor` in the answer names it.',
          responses: { 201: json({ type: 'object', required: ['executionId'], properties: { executionId: { type: 'string' }, actor: { type: 'string', description: 'The signer of `operation`, when one was given' } } }, 'Started'), ...errors(400, 401, 403, 404, 415, 429) }
        }
      },
      '/api/v1/flows/{id}/trigger': {
        post: {
          summary: 'Deliver an event to the flow\'s waiting executions (and start it when its trigger is that event)', tags: ['flows'], parameters: [flowId], requestBody: body(ref('TriggerBody')),
          description: '`operation` (only for an event that starts the flow) is a start operation the caller signed with the payload as input; a refused one delivers nothing.',
          responses: { 200: json({ type: 'object', properties: { delivered: { type: 'integer' } } }, 'Delivered'), 201: json({ type: 'object', properties: { delivered: { type: 'integer' }, executionId: { type: 'string' }, actor: { type: 'string' } } }, 'Delivered and started'), ...errors(400, 401, 403, 404, 415, 429) }
        }
      },
      '/api/v1/executions': {
        get: {
          summary: 'List executions', tags: ['executions'], parameters: [queryParam('flowId', 'Of this flow'), queryParam('active', 'Only live (true) or finished (false)', { enum: ['true', 'false'] })],
          responses: { 200: json({ type: 'object', properties: { executions: { type: 'array', items: ref('ExecutionSummary') } } }, 'Executions the caller may see, newest first'), ...errors(400, 401, 429) }
        }
      },
      '/api/v1/executions/{id}': { get: { summary: 'Execution status', tags: ['executions'], parameters: [executionId], responses: { 200: state, ...errors(401, 404, 429) } } },
      '/api/v1/executions/{id}/pause': { post: { summary: 'Pause', tags: ['executions'], parameters: [executionId], requestBody: body({ type: 'object', additionalProperties: false }, false), responses: { 200: state, ...errors(400, 401, 403, 404, 409, 429) } } },
      '/api/v1/executions/{id}/resume': { post: { summary: 'Resume', tags: ['executions'], parameters: [executionId], requestBody: body({ type: 'object', additionalProperties: false }, false), responses: { 200: state, ...errors(400, 401, 403, 404, 409, 429) } } },
      '/api/v1/executions/{id}/abort': { post: { summary: 'Abort', tags: ['executions'], parameters: [executionId], requestBody: body(ref('AbortBody'), false), responses: { 200: state, ...errors(400, 401, 403, 404, 409, 429) } } },
      '/api/v1/executions/{id}/logs': { get: { summary: 'The execution\'s event log', tags: ['executions'], parameters: [executionId], responses: { 200: json({ type: 'object', properties: { executionId: { type: 'string' }, events: { type: 'array', items: { type: 'object' } } } }, 'Events in order'), ...errors(401, 404, 429) } } },
      '/api/v1/executions/{id}/metrics': { get: { summary: 'Per-step durations, attempts, retries', tags: ['executions'], parameters: [executionId], responses: { 200: json({ type: 'object' }, 'Execution metrics'), ...errors(401, 404, 429) } } },
      '/api/v1/webhooks/{flowId}': {
        post: {
          summary: 'Start a flow whose trigger is qflow.trigger.webhook',
          description: `Input: \`{ body, query, headers }\`. Auth per flow (trigger params.auth): none; \`token\` in \`${WEBHOOK_TOKEN_HEADER}\` or \`?token=\`; \`hmac\`: \`${WEBHOOK_SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the raw body>\`. Synchronous with params.respond = "onComplete" or \`?wait=true\`: an output \`{ status, body?, headers? }\` is the response, any other output is 200 JSON.`,
          tags: ['webhooks'], security: [{}],
          parameters: [pathParam('flowId', 'Flow id'), queryParam('wait', 'Answer with the output (true) or at once (false)', { enum: ['true', 'false'] }), queryParam('token', 'The webhook token (type token)')],
          requestBody: { required: false, content: { '*/*': { schema: {} } } },
          responses: { 200: { description: 'Synchronous: the flow\'s output or response' }, 202: json({ type: 'object', properties: { executionId: { type: 'string' } } }, 'Started'), ...errors(400, 401, 404, 409, 413, 502, 504) }
        }
      },
      '/api/v1/events': {
        post: {
          summary: 'Publish an external event on a DAO subnet of the relay (gossipsub): every node of the subnet resumes executions waiting for it and starts its flows triggered by it', tags: ['flows'], requestBody: body(ref('PublishEventBody')),
          description: '`subnet` defaults to the relay\'s first subnet; `id` (default random) makes redelivery idempotent: each node acts once per publisher, subnet and id. Only on a relay with a network.',
          responses: { 202: json({ type: 'object', required: ['id', 'subnet', 'event'], properties: { id: { type: 'string' }, subnet: { type: 'string' }, event: { type: 'string' } } }, 'Published'), ...errors(400, 401, 403, 404, 415, 429) }
        }
      },
      '/api/v1/dao/subnets': {
        get: { summary: 'The DAO subnets the caller may see (members and relay admins)', tags: ['dao'], responses: { 200: json({ type: 'object', required: ['subnets'], properties: { subnets: { type: 'array', items: ref('DaoSubnetSummary') } } }, 'Subnets, by id'), ...errors(401, 429) } }
      },
      '/api/v1/dao/subnets/{id}': {
        get: { summary: 'A DAO subnet: members, admins, policy, quorums, approved code', tags: ['dao'], parameters: [pathParam('id', 'DAO subnet id')], responses: { 200: json({ type: 'object', required: ['subnet'], properties: { subnet: ref('DaoSubnet') } }, 'The subnet'), ...errors(401, 404, 429) } }
      },
      '/api/v1/system/health': { get: { summary: 'Health summary', tags: ['system'], responses: { 200: json({ type: 'object' }, 'Status, uptime, counts') } } },
      '/api/v1/system/nodes': { get: { summary: 'Live peers of the relay\'s network node with their metrics (this node first; 404 without a network)', tags: ['system'], responses: { 200: json({ type: 'object', required: ['nodes'], properties: { nodes: { type: 'array', items: { type: 'object', required: ['id', 'peerId', 'status', 'self', 'addresses'], properties: { id: { type: 'string' }, peerId: { type: 'string' }, status: { type: 'string', enum: ['self', 'connected', 'known'] }, self: { type: 'boolean' }, identity: { type: 'string' }, addresses: { type: 'array', items: { type: 'string' } }, capabilities: { type: 'array', items: { type: 'string' } }, daoSubnets: { type: 'array', items: { type: 'string' } }, performanceScore: { type: 'number' }, currentLoad: { type: 'number' }, latencyMs: { type: 'number' }, reputation: { type: 'number' }, lastSeen: { type: 'string' }, region: { type: 'string' } } } } } }, 'Nodes') } } },
      '/api/v1/system/metrics': { get: { summary: 'System metrics as JSON (the figures of /metrics)', tags: ['system'], responses: { 200: json({ type: 'object' }, 'Metrics') } } },
      '/api/v1/schemas': { get: { summary: 'The JSON Schemas of documents', tags: ['system'], responses: { 200: json({ type: 'object' }, 'Schemas by name') } } },
      '/api/v1/schemas/flow': { get: { summary: 'The flow document JSON Schema', tags: ['system'], responses: { 200: json(ref('FlowDefinition'), 'JSON Schema') } } },
      '/api/v1/openapi.json': { get: { summary: 'This document', tags: ['system'], responses: { 200: json({ type: 'object' }, 'OpenAPI 3.1') } } },
      '/api/v1/docs': { get: { summary: 'Readable reference of this document', tags: ['system'], responses: { 200: { description: 'HTML', content: { 'text/html': {} } } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', tags: ['system'], responses: { 200: { description: 'Prometheus text exposition', content: { 'text/plain': {} } } } } },
      '/health/live': { get: { summary: 'Liveness probe', tags: ['system'], responses: { 200: json({ type: 'object' }, 'Alive') } } },
      '/health/ready': { get: { summary: 'Readiness probe (the store answers)', tags: ['system'], responses: { 200: json({ type: 'object' }, 'Ready'), 503: json({ type: 'object' }, 'Not ready') } } },
      '/health/startup': { get: { summary: 'Startup probe', tags: ['system'], responses: { 200: json({ type: 'object' }, 'Started') } } },
      '/ws/executions/{id}': ws('Stream an execution\'s events: `{ type: "event", index, event }`… then `{ type: "end", status }`, then close', [executionId]),
      '/ws/system/metrics': ws('Stream system metrics JSON periodically (`?intervalMs=`, default 1000, at least 100)', [queryParam('intervalMs', 'Interval in ms', { type: 'integer', minimum: 100 })]),
      '/ws/dao/{daoId}/events': ws('Stream the events of a DAO subnet\'s executions (members only): `{ executionId, flowId, index, event }`', [pathParam('daoId', 'DAO subnet id')])
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token issued to an sQuid identity' },
        signature: { type: 'apiKey', in: 'header', name: SIGNATURE_HEADER, description: 'Base64 dag-cbor trust envelope signing the request' }
      },
      schemas: {
        FlowDefinition: flowJsonSchema(),
        StartBody: toSchema(StartBody),
        TriggerBody: toSchema(TriggerBody),
        PublishEventBody: toSchema(PublishEventBody),
        AbortBody: toSchema(AbortBody),
        WebhookAuth: toSchema(WebhookAuthSchema),
        ExecutionSummary: { type: 'object', required: ['executionId', 'flowId', 'status', 'updatedAt'], properties: { executionId: { type: 'string' }, flowId: { type: 'string' }, status: { type: 'string' }, updatedAt: { type: 'integer' } } },
        ExecutionState: {
          type: 'object',
          required: ['executionId', 'flowId', 'status', 'currentStep', 'completedSteps', 'failedSteps', 'context', 'startTime', 'checkpoints', 'nodeAssignments', 'steps'],
          properties: {
            executionId: { type: 'string' }, flowId: { type: 'string' },
            status: { enum: ['pending', 'running', 'paused', 'completed', 'failed', 'aborted'] },
            currentStep: { type: 'string' }, completedSteps: { type: 'array', items: { type: 'string' } }, failedSteps: { type: 'array', items: { type: 'string' } },
            context: { type: 'object' }, startTime: { type: 'string' }, endTime: { type: 'string' }, error: { type: 'object' },
            checkpoints: { type: 'array' }, nodeAssignments: { type: 'object' }, output: {}, steps: { type: 'object' }, parentExecutionId: { type: 'string' }
          }
        },
        DaoSubnetSummary: { type: 'object', required: DAO_SUMMARY_REQUIRED, properties: DAO_SUMMARY },
        DaoSubnet: {
          type: 'object',
          required: [...DAO_SUMMARY_REQUIRED, 'versions', 'issuedAt', 'allowedActions', 'allowedHosts', 'resourceCaps', 'codeWhitelist', 'approvedCode', 'proposals'],
          properties: {
            ...DAO_SUMMARY,
            versions: { type: 'array', items: { type: 'string' }, description: 'Policy CIDs, oldest first' },
            issuedAt: { type: 'integer' }, allowedActions: { type: 'array', items: { type: 'string' } },
            allowedHosts: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
            resourceCaps: { type: 'object', additionalProperties: { type: 'number' } },
            codeWhitelist: { type: 'array', items: { type: 'string' } },
            approvedCode: { type: 'array', items: { type: 'string' }, description: 'The whitelist and the proposals the quorum voted for' },
            proposals: { type: 'array', items: { type: 'object', properties: { cid: { type: 'string' }, votes: { type: 'array', items: { type: 'string' } }, needed: { type: 'integer' }, approved: { type: 'boolean' } } } }
          }
        },
        Error: {
          type: 'object', required: ['type', 'message', 'path'],
          properties: {
            type: { type: 'string' }, message: { type: 'string' }, path: { type: 'string' }, errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } }, line: { type: 'integer' }, column: { type: 'integer' }, executionId: { type: 'string' },
            errorType: { type: 'string', description: 'Trust failures: the seed\'s ErrorType (permission_denied, validation_error, dao_policy_violation, resource_exhausted)' },
            code: { type: 'string', description: 'Trust failures: the failing check (nonce_reused, signature_invalid, permission_missing, execution_exists, …)' }
          }
        }
      },
      responses: Object.fromEntries(Object.entries(ERROR_TEXT).map(([code, text]) => [`E${code}`, json(ref('Error'), text)]))
    }
  }
}
