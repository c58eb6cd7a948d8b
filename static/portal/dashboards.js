/* Dashboards: draw each card's chart with ECharts from the JSON the page carries (json_script).
   The table beside every chart holds the same figures, so nothing is lost without JavaScript. */
(function () {
  "use strict";
  if (!window.echarts) { return; }

  function option(data) {
    // richText tooltips are drawn on the canvas: HTML tooltips carry style attributes the CSP refuses.
    var base = { animation: false, tooltip: { renderMode: "richText", confine: true }, legend: { top: 0, type: "scroll" } };
    if (data.kind === "pie") {
      var s = data.series[0];
      base.tooltip.trigger = "item";
      base.series = [{
        type: "pie", name: s.name, radius: ["30%", "65%"], center: ["50%", "56%"],
        label: { formatter: "{b}: {d}%" },
        data: data.categories.map(function (name, i) { return { name: name, value: s.data[i] }; })
      }];
      return base;
    }
    base.tooltip.trigger = "axis";
    base.grid = { left: 8, right: 16, top: 40, bottom: 8, containLabel: true };
    base.xAxis = { type: "category", data: data.categories,
                   axisLabel: { interval: 0, rotate: data.categories.length > 6 ? 30 : 0 } };
    base.yAxis = { type: "value", name: data.unit || "" };
    if (data.decimals === 0) { base.yAxis.minInterval = 1; }  // counts: no tick at 0.5 household
    base.series = data.series.map(function (s) {
      var serie = { type: data.kind === "line" ? "line" : "bar", name: s.name, data: s.data };
      if (data.kind === "stacked") { serie.stack = "total"; }
      if (s.color) { serie.itemStyle = { color: s.color }; serie.lineStyle = { color: s.color }; }
      return serie;
    });
    return base;
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option(data));
    chart.on("click", function (params) {
      var row = data.links[data.kind === "pie" ? 0 : params.seriesIndex] || [];
      var url = row[params.dataIndex];
      if (url) { window.location.href = url; }
    });
    el.setAttribute("data-chart-ready", "1");
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
