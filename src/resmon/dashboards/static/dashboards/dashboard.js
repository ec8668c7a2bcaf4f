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
    var builders = { status: statusOption, progress: progressOption, "kpi-bands": kpiBandsOption };
    document.querySelectorAll("[data-chart-card]").forEach(function (card) {
      var box = card.querySelector("[data-chart]");
      var build = builders[box.dataset.chart];
      var data = readData(box.dataset.source || "dashboard-data");
      if (!build || !data) return;
      box.classList.remove("d-none");
      var chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(build(data, box.clientWidth));
      chart.relayout = function () {
        if (!box.clientWidth) return;  // hidden behind its table view
        chart.resize();
        chart.setOption(build(data, box.clientWidth));
      };
      charts.push(chart);
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
