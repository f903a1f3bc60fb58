/**
 * Network contracts that cross the wire as data: node announcements (the seed's `QNETNode`),
 * selection criteria, and the messages of the `/qflow/dispatch/1.0.0` stream protocol.
 * Every field is plain data (strings, numbers, booleans, arrays, objects) so each shape
 * travels as dag-cbor or JSON unchanged.
 */
import type { SignedEnvelope, StepAdmission } from './trust.js'
import type { FlowStep } from './flow.js'

/** Direct request/response protocol for step dispatch (never gossip). */
export const DISPATCH_PROTOCOL = '/qflow/dispatch/1.0.0'

/** The presence topic of a DAO subnet: only nodes serving the subnet subscribe to it. */
export function nodesTopic (subnet: string): string {
  return `qflow/${subnet}/nodes`
}

/** The seed's `QNETNode`: what a node announces about itself, as its peers see it. */
export interface QNETNode {
  /** libp2p PeerId (`12D3KooW…`) of the node's identity key. */
  nodeId: string
  /** The sQuid id (`did:key:z6Mk…`) of the same key: signs announcements and results. */
  identity: string
  /** A multiaddr to dial (may be empty when peers reach it through a relay). */
  address: string
  capabilities: string[]
  /** 0..1, higher is better (the node's own measure of its throughput). */
  performanceScore: number
  /** 0..1: running steps / capacity. */
  currentLoad: number
  /** Milliseconds: the observer's measured round trip to the node (0 = unknown). */
  latency: number
  daoSubnets: string[]
  /** ISO 8601: when the observer last heard from the node. */
  lastSeen: string
  /** 0..1: the observer's trust in the node's results (starts at `DEFAULT_REPUTATION`). */
  reputation: number
  /** Optional, for geographic preference (e.g. `eu-west`). */
  region?: string
  memoryMB?: number
  cpuCores?: number
}

export const DEFAULT_REPUTATION = 0.8

/** What a node signs and gossips on its subnets' presence topics. */
export interface NodeAnnouncement {
  v: 1
  nodeId: string
  identity: string
  addresses: string[]
  capabilities: string[]
  performanceScore: number
  currentLoad: number
  daoSubnets: string[]
  region?: string
  memoryMB?: number
  cpuCores?: number
  /** Epoch ms when signed; announcements older than the newest one seen are ignored. */
  timestamp: number
  /** The node's announcement period (ms): observers forget it after 3 silent periods (or their own TTL, if longer). */
  intervalMs: number
  /** Ed25519 over `"qflow:announce:v1\n" ‖ dag-cbor(fields without signature)`, base64url. */
  signature: string
}

export interface ResourceRequirements {
  minMemoryMB?: number
  minCpuCores?: number
  capabilities?: string[]
}

/** The seed's `NodeSelectionCriteria`. */
export interface NodeSelectionCriteria {
  daoSubnet?: string
  requiredCapabilities: string[]
  minPerformanceScore: number
  /** Milliseconds; 0 or Infinity = no limit. */
  maxLatency: number
  resourceRequirements: ResourceRequirements
  /** Regions, in order of preference. */
  geographicPreference?: string[]
  excludeNodes?: string[]
}

/** Observed metrics the selector folds into its view of a node. */
export interface NodeMetrics {
  performanceScore?: number
  currentLoad?: number
  latency?: number
  reputation?: number
}

/** What the coordinator signs (envelope type `step-execution`, target `<executionId>/<stepId>`). */
export interface DispatchPayload {
  executionId: string
  flowId: string
  stepId: string
  attempt: number
  idempotencyKey: string
  /** 1-based replica of a redundant step (1 when not redundant). */
  replica: number
  daoSubnet: string
  step: FlowStep
  params: Record<string, unknown>
  /** Milliseconds the executor may take (it stops at this deadline). */
  deadlineMs: number
  /**
   * The execution's admission: the executor re-validates the step against it with its own
   * pipeline (`validatePeerStep`) and refuses a step without one (`not_admitted`).
   */
  admission?: StepAdmission
}

/** What the executor signs for a result (envelope type `step-execution`, target `<executionId>/<stepId>#result`). */
export interface ResultPayload {
  idempotencyKey: string
  replica: number
  /** The signature of the request envelope this answers. */
  request: string
  nodeId: string
  ok: boolean
  output?: unknown
  logs: string[]
  error?: { name: string, message: string, type?: string, retryable?: boolean, code?: string }
}

/**
 * Messages on a dispatch session: one long-lived stream per coordinator → executor pair, one
 * length-prefixed dag-cbor message per frame; `rid` (unique per session) ties each message to its
 * request, so many steps share the stream.
 */
export type DispatchMessage =
  | { kind: 'request', rid: string, envelope: SignedEnvelope, payload: DispatchPayload }
  | { kind: 'accepted', rid: string, at: number }
  | { kind: 'heartbeat', rid: string, at: number }
  | { kind: 'refused', rid: string, reason: string, code: string, type: string }
  | { kind: 'result', rid: string, envelope: SignedEnvelope, payload: ResultPayload }
  /** Coordinator → executor: stop the step (the coordinator gave up on it). */
  | { kind: 'cancel', rid: string }

/** The execution-monitoring topic of a DAO subnet: coordinators' signed event batches. */
export function executionEventsTopic (subnet: string): string {
  return `qflow/${subnet}/events`
}

/** The external-event topic of a DAO subnet: signed events that trigger flows and resume waits. */
export function externalEventsTopic (subnet: string): string {
  return `qflow/${subnet}/triggers`
}

export const MONITORING_EVENT_KINDS = [
  'execution.started', 'step.started', 'step.completed', 'step.failed',
  'execution.completed', 'execution.failed', 'execution.aborted'
] as const
export type MonitoringEventKind = typeof MONITORING_EVENT_KINDS[number]

/**
 * One execution event as gossiped for monitoring: ids, status, step ids, timestamps and error
 * type only (never inputs, outputs, messages or logs: subnet data may be confidential).
 */
export interface MonitoringEvent {
  kind: MonitoringEventKind
  executionId: string
  flowId: string
  /** Epoch ms (the coordinator's clock). */
  at: number
  stepId?: string
  attempt?: number
  /** The node that ran the step. */
  nodeId?: string
  /** `ErrorType` of a failed step or execution. */
  errorType?: string
}

/** What a coordinator signs and gossips on `executionEventsTopic(subnet)`: its events since the last batch. */
export interface MonitoringBatch {
  v: 1
  subnet: string
  /** The coordinator (publisher) peer id; `identity` is the did:key of the same key. */
  nodeId: string
  identity: string
  /** Epoch ms when signed; with `seq` it orders a coordinator's batches (older ones are ignored). */
  ts: number
  seq: number
  events: MonitoringEvent[]
  /** Events left out since the previous batch (over the rate bound). */
  dropped?: number
  /** Ed25519 over `"qflow:exec-events:v1\n" ‖ dag-cbor(fields without signature)`, base64url. */
  signature: string
}

/** A verified monitoring event of another node, as subscribers see it. */
export interface RemoteExecutionEvent extends MonitoringEvent {
  subnet: string
  /** Peer id of the coordinator that published it. */
  coordinator: string
}

/** A signed external event on `externalEventsTopic(subnet)`: delivered like `POST /api/v1/flows/:id/trigger`. */
export interface ExternalEvent {
  v: 1
  /** Unique per publisher: receivers start flows once per (publisher, subnet, id). */
  id: string
  event: string
  payload: unknown
  subnet: string
  nodeId: string
  identity: string
  /** Epoch ms when signed (receivers refuse events older than their window). */
  at: number
  /** Ed25519 over `"qflow:external-event:v1\n" ‖ dag-cbor(fields without signature)`, base64url. */
  signature: string
}

/** The lease topic of a DAO subnet: coordinators' signed `LeaseBatch`es. */
export function leasesTopic (subnet: string): string {
  return `qflow/${subnet}/leases`
}

/** One execution's lease in a `LeaseBatch`: who coordinates it, until when, from which state. */
export interface LeaseEntry {
  executionId: string
  /** Grows by one at each takeover and at the release. */
  seq: number
  /** Epoch ms (the holder's clock); a release carries the moment it ended. */
  expiresAt: number
  /** CID of the holder's last published state (export manifest); on a release, of the final state. */
  checkpoint?: string
  /** The execution ended: nobody takes it over. */
  released?: true
}

/**
 * What a holder signs and gossips on `leasesTopic(subnet)`: every lease it announces at once
 * (a renewal tick's leases, in chunks of at most `MAX_LEASES_PER_BATCH`; a hold, release or
 * takeover goes out at once, with whatever else is waiting).
 */
export interface LeaseBatch {
  v: 2
  subnet: string
  /** The holder (publisher) peer id; `identity` is the did:key of the same key. */
  holder: string
  identity: string
  leases: LeaseEntry[]
  /** Ed25519 over `"qflow:lease:v2\n" ‖ dag-cbor(fields without signature)`, base64url. */
  signature: string
}

/** The newest lease a node knows for an execution (an entry of a verified batch, with its holder). */
export interface Lease extends LeaseEntry {
  subnet: string
  holder: string
  identity: string
}
