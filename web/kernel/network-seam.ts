/**
 * The seam where the tab's network (libp2p in the tab, relays, WebRTC, "Lend this tab") plugs
 * into the node. The network is built elsewhere (`src/network/`, `web/platform/libp2p-browser.ts`);
 * the dashboard only reads this view of it and works without one.
 */
import type { ActionRegistry, StepDispatcher } from '../../src/index.js'
import type { PeerStepInit, SquidIdentity } from '../../src/trust/index.js'

/** What a network factory gets from the tab node (before the engine starts). */
export interface TabNetworkParts {
  identity: SquidIdentity
  actions: ActionRegistry
  /** Runs steps in this tab (the Web Worker sandbox for code). */
  local: StepDispatcher
  /**
   * The tab's pipeline for steps other nodes send it: a lent tab runs one only after
   * `validatePeerStep(peerStep, payload, envelope.actor)` accepted it (the executor's `authorize`).
   */
  peerStep: PeerStepInit
}

/**
 * Builds the tab's network. It must not wait for a relay: the tab starts and works without one.
 * A factory that throws leaves the tab local-only (the Nodes view shows the reason).
 */
export type TabNetworkFactory = (parts: TabNetworkParts) => Promise<TabNetwork>

export interface PeerView {
  id: string
  kind: 'relay' | 'tab' | 'node'
  /** Running steps / capacity, 0..1, when known. */
  load?: number
  latencyMs?: number
  reputation?: number
  subnets?: string[]
  capabilities?: string[]
  /** Connected right now (relays are listed while disconnected too). */
  connected?: boolean
  /** How this tab reaches it: `webrtc` (direct, tab to tab), `relayed` (limited circuit) or `websockets`. */
  transport?: 'webrtc' | 'relayed' | 'websockets' | 'other'
}

export interface VolunteerView {
  lending: boolean
  stepsRun: number
  cpuMs: number
  /** What the tab announces when lent. */
  capabilities?: string[]
  maxConcurrent?: number
  /** Steps run for others, newest first. */
  recent?: Array<{ executionId: string, stepId: string, action: string, ok: boolean, ms: number }>
}

export interface TabNetwork {
  /** Replaces the engine's local dispatcher (e.g. a remote dispatcher that falls back to `local`). */
  dispatcher?: StepDispatcher
  /** Relays and peers as currently known. */
  peers(): PeerView[]
  /** Fired whenever `peers()` or `volunteer()` may have changed. */
  addEventListener(type: 'change', listener: () => void): void
  removeEventListener(type: 'change', listener: () => void): void
  volunteer?(): VolunteerView
  /** This tab's own dialable addresses (relay circuits, `/webrtc`). */
  addresses?(): string[]
  /** "Lend this tab": announce (true) or withdraw (false) this tab as an executor. */
  setLending?(on: boolean): Promise<void>
  stop?(): Promise<void>
}
