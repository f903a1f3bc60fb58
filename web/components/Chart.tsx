/** A uPlot line chart that follows its data; the chart is destroyed with the component. */
import { createEffect, onCleanup, onMount } from 'solid-js'
import type { JSX } from 'solid-js'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface ChartProps { title: string, series: Array<{ label: string, stroke: string }>, data: uPlot.AlignedData, height?: number }

export function Chart (props: ChartProps): JSX.Element {
  let el: HTMLDivElement | undefined
  let plot: uPlot | undefined
  onMount(() => {
    plot = new uPlot({
      title: props.title, width: Math.max(320, el!.clientWidth), height: props.height ?? 220,
      // a few seconds of margin: one point alone would otherwise stretch the axis over years
      scales: { x: { time: true, range: (_u, min, max) => [min - 5, max + 5] } },
      series: [{}, ...props.series.map(s => ({ label: s.label, stroke: s.stroke, width: 2 }))]
    }, props.data, el!)
  })
  createEffect(() => { const d = props.data; plot?.setData(d) })
  onCleanup(() => plot?.destroy())
  return <div ref={el} class="chart" data-testid="chart" aria-label={props.title} />
}
