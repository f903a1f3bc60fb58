/** The network seam as a Solid signal: peers and volunteer state, or nothing (no relay). */
import { createSignal } from 'solid-js'
import type { Accessor } from 'solid-js'
import type { PeerView, VolunteerView } from '../kernel/network-seam.js'
import type { TabNode } from '../kernel/tab-node.js'

export interface NetworkStore {
  attached: Accessor<boolean>
  peers: Accessor<PeerView[]>
  volunteer: Accessor<VolunteerView | undefined>
  /** This tab's own dialable addresses. */
  addresses: Accessor<string[]>
  setLending(on: boolean): Promise<void>
}

export function createNetworkStore (node: TabNode): NetworkStore {
  const [attached, setAttached] = createSignal(node.network != null)
  const [peers, setPeers] = createSignal<PeerView[]>([])
  const [volunteer, setVolunteer] = createSignal<VolunteerView>()
  const [addresses, setAddresses] = createSignal<string[]>([])
  const read = (): void => {
    setAttached(node.network != null)
    setPeers(node.network?.peers() ?? [])
    setVolunteer(node.network?.volunteer?.())
    setAddresses(node.network?.addresses?.() ?? [])
  }
  const listen = (): void => {
    node.network?.addEventListener('change', read)
    read()
  }
  node.events.addEventListener('network:attached', listen)
  if (node.network != null) node.network.addEventListener('change', read)
  read()
  return {
    attached,
    peers,
    volunteer,
    addresses,
    async setLending (on) { await node.network?.setLending?.(on); read() }
  }
}
