/* The dashboards' charts (ECharts), each drawn from a json_script block of its page (the chart's
   data-source, "dashboard-data" by default) and each with a "show as table" toggle. Loaded from a
   static file: the CSP allows no inline script. Without JavaScript (or without ECharts) the tables
   stay visible and the toggles stay hidden. */
(function () {
  "use strict";

  var charts = [];

  function readData(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  // the legend wraps onto several rows on a narrow screen: leave it room above the bars
  function legendHeight(data, width) {
    var row = 0, rows = 1;
    data.statuses.forEach(function (s) {
      var item = s.label.length * 6.5 + 40;
      if (row + item > width && row > 0) { rows += 1; row = 0; }
      row += item;
    });
    return rows * 22 + 12;
  }

  function statusOption(data, width) {
    return {
      animation: false,
      // richText: the tooltip is drawn in the canvas, so no inline style reaches the DOM
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      legend: { type: "plain", top: 0, left: 0, right: 0, itemGap: 8, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 16, top: legendHeight(data, width), bottom: 32, containLabel: true },
      xAxis: { type: "value", name: data.tasks_label, nameLocation: "middle", nameGap: 26, minInterval: 1 },
      yAxis: { type: "category", data: data.resolutions, inverse: true },
      series: data.statuses.map(function (s) {
        return {
          name: s.label,
          type: "bar",
          stack: "tasks",
          barMaxWidth: 40,
          itemStyle: { color: s.color },
          emphasis: { focus: "series" },
          data: data.counts[s.key]
        };
      })
    };
  }

  function progressOption(data) {
    return {
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      grid: { left: 8, right: 40, top: 16, bottom: 32, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, name: data.progress_label, nameLocation: "middle", nameGap: 26 },
      yAxis: { type: "category", data: data.resolutions, inverse: true },
      series: [{
        name: data.progress_label,
        type: "bar",
        barMaxWidth: 40,
        itemStyle: { color: "#0d6efd" },
        label: { show: true, position: "right", formatter: function (p) { return p.value == null ? "–" : p.value + "%"; } },
        data: data.progress
      }]
    };
  }

  function kpiBandsOption(data) {
    return {
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      grid: { left: 8, right: 40, top: 16, bottom: 32, containLabel: true },
      xAxis: { type: "value", name: data.kpis_label, nameLocation: "middle", nameGap: 26, minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.bands.map(function (b) { return b.label; }) },
      series: [{
        name: data.kpis_label,
        type: "bar",
        barMaxWidth: 40,
        label: { show: true, position: "right" },
        data: data.bands.map(function (b) { return { value: b.count, itemStyle: { color: b.color } }; })
      }]
    };
  }

  // bottlenecks (monitoring/bottlenecks/graph.html): agencies as circles sized by the delay they
  // cause, arrows from the agency holding up to the one whose tasks wait; a click opens the agency
  function graphOption(data, width) {
    var narrow = width < 576;
    var maxNode = 0, maxEdge = 0;
    data.nodes.forEach(function (n) { if (n.value > maxNode) maxNode = n.value; });
    data.edges.forEach(function (e) { if (e.value > maxEdge) maxEdge = e.value; });
    var side = narrow ? 24 : 60;
    return {
      animation: false,
      tooltip: { renderMode: "richText", formatter: function (p) { return (p.data && p.data.tip) || p.name; } },
      legend: { top: 0, left: 0, textStyle: { fontSize: 11 }, data: data.categories.map(function (c) { return c.name; }) },
      series: [{
        type: "graph",
        layout: "circular",
        top: narrow ? 48 : 56, bottom: narrow ? 24 : 40, left: side, right: narrow ? 24 : 230,
        categories: data.categories,
        label: { show: !narrow, position: "right", fontSize: 11, width: 210, overflow: "truncate" },
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 8,
        lineStyle: { color: "source", curveness: 0.2, opacity: 0.7 },
        emphasis: { focus: "adjacency" },
        data: data.nodes.map(function (n) {
          return {
            id: n.id, name: n.name, value: n.value, category: n.category, tip: n.tip, url: n.url,
            symbolSize: 10 + 34 * Math.sqrt(maxNode ? n.value / maxNode : 0)
          };
        }),
        links: data.edges.map(function (e) {
          return {
            source: e.source, target: e.target, value: e.value, tip: e.tip,
            lineStyle: { width: 1 + 5 * (maxEdge ? e.value / maxEdge : 0) }
          };
        })
      }]
    };
  }

  // compare: one horizontal bar per agency in ranking order (best at the top); grey = small sample
  function compareOption(data) {
    var fmt = function (v) {
      return v == null ? "–" : Number(v).toLocaleString(document.documentElement.lang || "vi", {
        minimumFractionDigits: data.decimals, maximumFractionDigits: data.decimals
      });
    };
    return {
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText",
        valueFormatter: fmt },
      grid: { left: 8, right: 56, top: 8, bottom: 32, containLabel: true },
      xAxis: { type: "value", name: data.label, nameLocation: "middle", nameGap: 26, scale: false },
      yAxis: { type: "category", inverse: true, data: data.agencies,
        axisLabel: { width: 140, overflow: "truncate" } },
      series: [{
        name: data.label,
        type: "bar",
        barMaxWidth: 24,
        label: { show: true, position: "right", formatter: function (p) { return fmt(p.value); } },
        data: data.values.map(function (v) { return { value: v.value, itemStyle: { color: v.color } }; })
      }]
    };
  }

  // trends: a few series over the quarters, lines (rates, percent) or grouped bars (counts)
  function trendOption(data) {
    return {
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { type: "plain", top: 0, left: 0, right: 0, itemGap: 8, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.categories, axisLabel: { hideOverlap: true } },
      yAxis: data.percent
        ? { type: "value", min: 0, max: 100, name: data.axis, axisLabel: { formatter: "{value}%" } }
        : { type: "value", name: data.axis, minInterval: 1 },
      series: data.series.map(function (s) {
        return {
          name: s.name,
          type: s.type,
          connectNulls: false,
          barMaxWidth: 18,
          itemStyle: { color: s.color },
          lineStyle: s.type === "line" ? { color: s.color, width: 2 } : undefined,
          data: s.data
        };
      })
    };
  }

  function setMode(card, asTable) {
    var chart = card.querySelector("[data-chart]");
    var table = card.querySelector("[data-chart-table]");
    var button = card.querySelector("[data-table-toggle]");
    chart.classList.toggle("d-none", asTable);
    table.classList.toggle("d-none", !asTable);
    button.setAttribute("aria-pressed", asTable ? "true" : "false");
    button.textContent = asTable ? button.dataset.labelChart : button.dataset.labelTable;
    if (!asTable) {
      charts.forEach(function (c) { c.relayout(); });
    }
  }

  function init() {
    if (!window.echarts) return;
    var builders = { status: statusOption, progress: progressOption, "kpi-bands": kpiBandsOption, graph: graphOption };
    builders.compare = compareOption;  // dashboards/compare.html
    builders.trend = trendOption;  // dashboards/trends.html
    document.querySelectorAll("[data-chart-card]").forEach(function (card) {
      var box = card.querySelector("[data-chart]");
      var build = builders[box.dataset.chart];
      var data = readData(box.dataset.source || "dashboard-data");
      if (!build || !data) return;
      box.classList.remove("d-none");
      if (box.dataset.chart === "compare") {  // as tall as its bars (CSSOM: allowed by the CSP)
        box.style.height = Math.max(160, data.agencies.length * 28 + 56) + "px";
      }
      var chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(build(data, box.clientWidth));
      chart.relayout = function () {
        if (!box.clientWidth) return;  // hidden behind its table view
        chart.resize();
        chart.setOption(build(data, box.clientWidth));
      };
      charts.push(chart);
      chart.on("click", function (p) { if (p.data && p.data.url) window.location.assign(p.data.url); });
      var button = card.querySelector("[data-table-toggle]");
      button.classList.remove("d-none");
      button.addEventListener("click", function () {
        setMode(card, button.getAttribute("aria-pressed") !== "true");
      });
      setMode(card, false);
    });
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) window.clearTimeout(pending);
      pending = window.setTimeout(function () { charts.forEach(function (c) { c.relayout(); }); }, 150);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
