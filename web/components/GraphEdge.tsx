/** One route between two steps, leaving from its port and ending at the target's top. */
import type { JSX } from 'solid-js'
import { NODE_W, portsOf, stepKey } from '../kernel/flow-graph.js'
import type { DraftStep, FlowEdge, Point } from '../kernel/flow-graph.js'
import { NODE_H } from '../kernel/flow-graph.js'

export const portX = (k: number, n: number): number => (NODE_W / (n + 1)) * (k + 1)

export interface GraphEdgeProps { edge: FlowEdge, steps: DraftStep[], indexOf: (id: string) => number | undefined, position: (key: string) => Point }

export function GraphEdge (props: GraphEdgeProps): JSX.Element {
  const d = (): string => {
    const fromIndex = props.indexOf(props.edge.from)
    const toIndex = props.indexOf(props.edge.to)
    if (fromIndex == null || toIndex == null) return ''
    const from = props.steps[fromIndex]
    const a = props.position(stepKey(from, fromIndex))
    const b = props.position(stepKey(props.steps[toIndex], toIndex))
    const ports = portsOf(from)
    const k = Math.max(0, ports.indexOf(props.edge.kind))
    const x1 = a.x + portX(k, ports.length); const y1 = a.y + NODE_H
    const x2 = b.x + NODE_W / 2; const y2 = b.y
    const bend = Math.max(30, Math.abs(y2 - y1) / 2)
    return `M ${x1} ${y1} C ${x1} ${y1 + bend}, ${x2} ${y2 - bend}, ${x2} ${y2}`
  }
  return (
    <path class={`edge edge-${props.edge.kind} ${props.edge.implicit ? 'implicit' : ''}`} d={d()} marker-end="url(#arrow)"
      data-edge={`${props.edge.from}->${props.edge.to}`} data-kind={props.edge.kind} />
  )
}
