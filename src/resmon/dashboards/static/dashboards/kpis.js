/* The KPI bands chart (ECharts): one bar per band, drawn from the page's json_script block
   "kpi-bands-data", with a "show as table" toggle. A static file: the CSP allows no inline script.
   Without JavaScript (or without ECharts) the table stays visible and the toggle stays hidden. */
(function () {
  "use strict";

  function readData() {
    var node = document.getElementById("kpi-bands-data");
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function option(data) {
    return {
      animation: false,
      // richText: the tooltip is drawn in the canvas, so no inline style reaches the DOM
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

  function init() {
    var data = readData();
    var card = document.querySelector("[data-chart-card]");
    if (!data || !card || !window.echarts) return;
    var box = card.querySelector("[data-chart]");
    var table = card.querySelector("[data-chart-table]");
    var button = card.querySelector("[data-table-toggle]");
    var chart = null;

    function setMode(asTable) {
      box.classList.toggle("d-none", asTable);
      table.classList.toggle("d-none", !asTable);
      button.setAttribute("aria-pressed", asTable ? "true" : "false");
      button.textContent = asTable ? button.dataset.labelChart : button.dataset.labelTable;
      if (!asTable && box.clientWidth) {
        if (!chart) {
          chart = window.echarts.init(box, null, { renderer: "canvas" });
          chart.setOption(option(data));
        } else {
          chart.resize();
        }
      }
    }

    button.classList.remove("d-none");
    button.addEventListener("click", function () {
      setMode(button.getAttribute("aria-pressed") !== "true");
    });
    setMode(false);
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) window.clearTimeout(pending);
      pending = window.setTimeout(function () { if (chart && box.clientWidth) chart.resize(); }, 150);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
