// Charts for the desk screens, with Chart.js (well kept, accessible enough
// when paired with a table). Loaded on demand, so an officer's phone never
// downloads it.
import { h, label } from "./ui";

type ChartKind = "bar" | "line";
export type Series = { label: string; values: number[] };

let chartJs: Promise<typeof import("chart.js")> | undefined;
function loadChartJs(): Promise<typeof import("chart.js")> {
  chartJs ??= import("chart.js").then((m) => {
    m.Chart.register(m.BarController, m.BarElement, m.LineController, m.LineElement, m.PointElement, m.CategoryScale, m.LinearScale, m.Legend, m.Tooltip);
    return m;
  });
  return chartJs;
}

function css(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#0b3d91";
}

/**
 * A chart and, beside it, the same numbers as a table: the canvas is hidden
 * from screen readers, the table is what they read.
 */
export function chartWithTable(title: string, kind: ChartKind, keys: string[], series: Series[], format: (n: number) => string = String): HTMLElement {
  const canvas = h("canvas", { "aria-hidden": "true", role: "presentation" });
  const id = `chart-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  const table = h("table", { class: "data", "aria-labelledby": id },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, ""), series.map((s) => h("th", { scope: "col" }, s.label)))),
    h("tbody", {}, keys.map((k, i) => h("tr", {}, h("th", { scope: "row" }, label(k)), series.map((s) => h("td", {}, format(s.values[i] ?? 0)))))));
  const figure = h("figure", { class: "chart", "data-chart": id },
    h("figcaption", { id }, title),
    h("div", { class: "chart-pair" }, h("div", { class: "canvas-box" }, canvas), h("div", { class: "table-box", tabindex: "0", role: "region", "aria-label": `${title}: table` }, table)));
  const palette = [css("--accent"), css("--warn"), css("--bad"), css("--ok")];
  void loadChartJs().then(({ Chart }) => {
    new Chart(canvas, {
      type: kind,
      data: {
        labels: keys.map(label),
        datasets: series.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: palette[i % palette.length], borderColor: palette[i % palette.length] })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { ticks: { color: css("--fg") } }, y: { beginAtZero: true, ticks: { color: css("--fg") } } },
        plugins: { legend: { labels: { color: css("--fg") } } },
      },
    });
    figure.dataset.drawn = "true";
  });
  return figure;
}
