/**
 * Distributed execution over libp2p: the node factory, presence on per-subnet gossip topics,
 * the node selector, the `/qflow/dispatch/1.0.0` executor and the remote step dispatcher,
 * execution monitoring events and event triggers on per-subnet gossip topics.
 */
export * from './errors.js'
export * from './libp2p-node.js'
export * from './scoring.js'
export * from './selection.js'
export * from './announcement.js'
export * from './presence.js'
export * from './wire.js'
export * from './executor.js'
export * from './session.js'
export * from './send-step.js'
export * from './vote.js'
export * from './remote-dispatcher.js'
export * from './bootstrap.js'
export * from './lease.js'
export * from './subnet-keys.js'
export * from './subnet-keyring.js'
export * from './subnet-key-exchange.js'
export * from './event-messages.js'
export * from './event-iterator.js'
export * from './event-gossip.js'
export * from './event-triggers.js'
export * from './event-delivery.js'
