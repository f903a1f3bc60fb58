/**
 * System commands against a relay: `health`, `metrics`, `nodes`.
 */
import { apiClient, ApiError } from '../api-client.js'
import type { ApiOptions } from '../api-client.js'
import { EXIT } from '../io.js'
import type { Output } from '../io.js'
import { table } from './remote-flows.js'

/** `qflow health`: the relay's health summary; exit 1 unless its status is ok. */
export async function healthCommand (options: ApiOptions, io: Output): Promise<number> {
  const client = await apiClient(options)
  const health = await client.request<Record<string, unknown> & { status?: string }>('GET', '/api/v1/system/health')
  if (options.json === true) io.out(JSON.stringify(health, null, 2))
  else {
    io.out(`relay ${client.base}: ${String(health.status)}`)
    for (const [key, value] of Object.entries(health)) if (key !== 'status') io.out(`  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
  }
  return health.status === 'ok' || health.status === 'healthy' ? EXIT.ok : EXIT.failed
}

function flatten (value: unknown, prefix: string, into: Array<[string, string]>): void {
  if (value != null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, into)
  } else {
    into.push([prefix, typeof value === 'string' ? value : JSON.stringify(value)])
  }
}

/** `qflow metrics`: the relay's system metrics (JSON), as `name value` lines. */
export async function metricsCommand (options: ApiOptions, io: Output): Promise<number> {
  const client = await apiClient(options)
  const metrics = await client.request<unknown>('GET', '/api/v1/system/metrics')
  if (options.json === true) { io.out(JSON.stringify(metrics, null, 2)); return EXIT.ok }
  const rows: Array<[string, string]> = []
  flatten(metrics, '', rows)
  table(['METRIC', 'VALUE'], rows, io)
  return EXIT.ok
}

interface NodeInfo {
  id?: string
  peerId?: string
  addresses?: string[]
  status?: string
  latencyMs?: number
  self?: boolean
  capabilities?: string[]
  daoSubnets?: string[]
  currentLoad?: number
  reputation?: number
}

const figure = (n: number | undefined, digits = 2): string => n == null ? '' : String(Number(n.toFixed(digits)))

/** `qflow nodes`: the peers the relay knows (itself first). */
export async function nodesCommand (options: ApiOptions, io: Output): Promise<number> {
  const client = await apiClient(options)
  let body: { nodes: NodeInfo[] } | NodeInfo[]
  try {
    body = await client.request<{ nodes: NodeInfo[] } | NodeInfo[]>('GET', '/api/v1/system/nodes')
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err
    // a relay without a network layer has no peers to list
    if (options.json === true) io.out('[]')
    else io.out(`no nodes known: the relay at ${client.base} runs without a peer-to-peer network`)
    return EXIT.ok
  }
  const nodes = Array.isArray(body) ? body : body.nodes
  if (options.json === true) { io.out(JSON.stringify(nodes, null, 2)); return EXIT.ok }
  if (nodes.length === 0) { io.out('no nodes known'); return EXIT.ok }
  const name = (n: NodeInfo): string => `${n.id ?? n.peerId ?? '?'}${n.self === true ? ' (this relay)' : ''}`
  table(['NODE', 'STATUS', 'ADDRESSES'], nodes.map(n => [name(n), n.status ?? '', (n.addresses ?? []).join(' ')]), io)
  io.out('')
  table(['NODE', 'SUBNETS', 'CAPABILITIES', 'LOAD', 'LATENCY MS', 'REPUTATION'], nodes.map(n => [
    name(n), (n.daoSubnets ?? []).join(','), (n.capabilities ?? []).join(','), figure(n.currentLoad), figure(n.latencyMs, 1), figure(n.reputation)
  ]), io)
  return EXIT.ok
}
