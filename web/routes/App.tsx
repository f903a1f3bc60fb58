/** The dashboard shell: navigation and the current route. */
import { Match, Switch } from 'solid-js'
import type { JSX } from 'solid-js'
import { useQflow } from '../bridge/context.js'
import { currentRoute } from '../ui/router.js'
import { BuilderRoute } from './BuilderRoute.js'
import { DaoRoute } from './DaoRoute.js'
import { FlowsRoute } from './FlowsRoute.js'
import { MetricsRoute } from './MetricsRoute.js'
import { NodesRoute } from './NodesRoute.js'
import { RunRoute } from './RunRoute.js'
import { RunsRoute } from './RunsRoute.js'

const NAV = [['flows', 'Flows'], ['runs', 'Runs'], ['nodes', 'Nodes'], ['dao', 'DAO'], ['metrics', 'Metrics']] as const

export function App (): JSX.Element {
  const q = useQflow()
  const r = currentRoute
  return (
    <div class="app" data-ready="true">
      <header class="topbar">
        <strong>Qflow</strong>
        <nav aria-label="Main">
          {NAV.map(([name, label]) => <a href={`#/${name}`} classList={{ active: r().name === name || (name === 'flows' && r().name === 'builder') }}>{label}</a>)}
        </nav>
        <span class="who" title={q.node.identity.id}>{q.node.identity.name} · <span data-testid="relay-status">{q.network.attached() ? 'network on' : 'no relay'}</span></span>
      </header>
      <div class="page">
        <Switch fallback={<p class="state error" role="alert">Unknown page “{r().name}”. <a href="#/flows">Go to flows</a></p>}>
          <Match when={r().name === 'flows'}><FlowsRoute /></Match>
          <Match when={r().name === 'builder' && r().param} keyed>{id => <BuilderRoute flowId={id} />}</Match>
          <Match when={r().name === 'runs' && r().param} keyed>{id => <RunRoute executionId={id} />}</Match>
          <Match when={r().name === 'runs'}><RunsRoute /></Match>
          <Match when={r().name === 'nodes'}><NodesRoute /></Match>
          <Match when={r().name === 'dao'}><DaoRoute /></Match>
          <Match when={r().name === 'metrics'}><MetricsRoute /></Match>
        </Switch>
      </div>
    </div>
  )
}
