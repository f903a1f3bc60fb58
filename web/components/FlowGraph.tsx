/**
 * The flow as a graph: steps as boxes (coloured by run state or marked invalid), routes as
 * edges. Editable graphs let steps be dragged, and routes be drawn by dragging from a port
 * (success, failure, true, false, default) onto another step. Steps take focus: Enter
 * selects, Delete removes, arrow keys move.
 */
import { createMemo, createSignal, For, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import type { PathError } from '../../shared/errors.js'
import { NODE_H, NODE_W, portsOf, stepKey } from '../kernel/flow-graph.js'
import type { DraftStep, FlowEdge, Point, RouteKind } from '../kernel/flow-graph.js'
import { GraphEdge, portX } from './GraphEdge.js'

export interface FlowGraphProps {
  steps: DraftStep[]
  edges: FlowEdge[]
  position: (key: string) => Point
  editable?: boolean
  selected?: string
  statusOf?: (stepId: string) => string | undefined
  errorsOf?: (index: number) => PathError[] | undefined
  onSelect?: (index: number) => void
  onMove?: (key: string, to: Point) => void
  onConnect?: (fromIndex: number, kind: RouteKind, to: string) => void
  onDelete?: (index: number) => void
}

interface Linking { from: number, kind: RouteKind, start: Point, end: Point }

export function FlowGraph (props: FlowGraphProps): JSX.Element {
  let svg: SVGSVGElement | undefined
  const [linking, setLinking] = createSignal<Linking>()
  const local = (e: PointerEvent): Point => {
    const r = svg!.getBoundingClientRect()
    return { x: e.clientX - r.left, y: e.clientY - r.top }
  }
  const indexById = createMemo(() => new Map(props.steps.map((s, i) => [String(s.id), i])))
  const size = createMemo(() => {
    let w = 400; let h = 300
    props.steps.forEach((s, i) => {
      const p = props.position(stepKey(s, i))
      w = Math.max(w, p.x + NODE_W + 40); h = Math.max(h, p.y + NODE_H + 60)
    })
    return { w, h }
  })

  function dragStep (e: PointerEvent, key: string, index: number): void {
    if (!(props.editable ?? false) || e.button !== 0) return
    props.onSelect?.(index)
    const origin = props.position(key)
    const start = local(e)
    const move = (m: PointerEvent): void => { const p = local(m); props.onMove?.(key, { x: origin.x + p.x - start.x, y: origin.y + p.y - start.y }) }
    const up = (): void => { removeEventListener('pointermove', move); removeEventListener('pointerup', up) }
    addEventListener('pointermove', move)
    addEventListener('pointerup', up)
  }

  function dragPort (e: PointerEvent, index: number, kind: RouteKind, at: Point): void {
    e.stopPropagation()
    e.preventDefault()
    setLinking({ from: index, kind, start: at, end: local(e) })
    const move = (m: PointerEvent): void => { setLinking(l => l && { ...l, end: local(m) }) }
    const up = (u: PointerEvent): void => {
      removeEventListener('pointermove', move); removeEventListener('pointerup', up)
      const target = document.elementFromPoint(u.clientX, u.clientY)?.closest('[data-step]')?.getAttribute('data-step')
      const l = linking()
      setLinking(undefined)
      if (l != null && target != null) props.onConnect?.(l.from, l.kind, target)
    }
    addEventListener('pointermove', move)
    addEventListener('pointerup', up)
  }

  function onKey (e: KeyboardEvent, key: string, index: number): void {
    const editable = props.editable ?? false
    const p = props.position(key)
    const d = e.shiftKey ? 50 : 10
    const moves: Record<string, Point> = {
      ArrowUp: { x: p.x, y: p.y - d }, ArrowDown: { x: p.x, y: p.y + d }, ArrowLeft: { x: p.x - d, y: p.y }, ArrowRight: { x: p.x + d, y: p.y }
    }
    if (e.key === 'Enter' || e.key === ' ') props.onSelect?.(index)
    else if (editable && (e.key === 'Delete' || e.key === 'Backspace')) props.onDelete?.(index)
    else if (editable && moves[e.key] != null) props.onMove?.(key, moves[e.key])
    else return
    e.preventDefault()
  }

  return (
    <div class="graph-scroll" data-testid="flow-graph">
      <svg ref={svg} width={size().w} height={size().h} class="graph" role="group" aria-label="Flow graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" /></marker>
        </defs>
        <For each={props.edges}>{edge => <GraphEdge edge={edge} steps={props.steps} indexOf={id => indexById().get(id)} position={props.position} />}</For>
        <For each={props.steps}>{(step, i) => {
          const key = (): string => stepKey(step, i())
          const pos = (): Point => props.position(key())
          const errors = (): PathError[] | undefined => props.errorsOf?.(i())
          const status = (): string | undefined => typeof step.id === 'string' ? props.statusOf?.(step.id) : undefined
          return (
            <g class={`step ${errors() != null ? 'invalid' : ''} ${status() != null ? 'status-' + status() : ''} ${props.selected === key() ? 'selected' : ''}`}
              data-step={typeof step.id === 'string' ? step.id : ''} data-index={i()} data-status={status()} data-invalid={errors() != null ? 'true' : undefined}
              transform={`translate(${pos().x},${pos().y})`} tabindex="0" role="button"
              aria-label={`Step ${String(step.id)} (${String(step.action)})${errors() != null ? ': ' + errors()![0].message : ''}`}
              onPointerDown={e => dragStep(e, key(), i())} onKeyDown={e => onKey(e, key(), i())}>
              <rect width={NODE_W} height={NODE_H} rx="8" />
              <text x="10" y="22" class="step-id">{String(step.id ?? '(no id)')}</text>
              <text x="10" y="40" class="step-action">{String(step.action ?? '').replace(/^qflow\./, '')}</text>
              <Show when={errors()}>{errs => <title>{errs().map(e => `${e.path}: ${e.message}`).join('\n')}</title>}</Show>
              <Show when={props.editable}>
                <For each={portsOf(step)}>{(kind, k) => (
                  <circle class={`port port-${kind}`} data-port={kind} cx={portX(k(), portsOf(step).length)} cy={NODE_H} r="7"
                    onPointerDown={e => dragPort(e, i(), kind, { x: pos().x + portX(k(), portsOf(step).length), y: pos().y + NODE_H })}>
                    <title>drag to connect the {kind} route</title>
                  </circle>
                )}</For>
              </Show>
            </g>
          )
        }}</For>
        <Show when={linking()}>{l => <line class={`linking edge-${l().kind}`} x1={l().start.x} y1={l().start.y} x2={l().end.x} y2={l().end.y} />}</Show>
      </svg>
    </div>
  )
}
