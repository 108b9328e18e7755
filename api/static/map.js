// The Plan tab's map: accounts and manager homes on China's provinces, drawn by Apache ECharts from
// files this server ships (echarts.min.js, china-provinces.json: no tiles, no CDN). Colour = manager,
// size = tier, a dark ring = no manager, a triangle = a manager's home; a click on an account explains it.
import { t, lang } from "./i18n.js";
import { loadECharts } from "./charts.js";

const MAP = "china-provinces";
// ECharts (600 KB, shared with the charts) and the outline load when a map is first drawn, not with
// the page: the page's controls are wired before either arrives.
let loaded = null;
const loadMap = () => (loaded ||= Promise.all([loadECharts(), fetch("/static/china-provinces.json").then((r) => r.json())])
  .then(([echarts, geo]) => { echarts.registerMap(MAP, geo); return echarts; }));

// A few large cities, for finding one's way (coordinates: the city centres).
const CITIES = [
  ["Beijing", "北京", 116.40, 39.90], ["Shanghai", "上海", 121.47, 31.23], ["Guangzhou", "广州", 113.26, 23.13],
  ["Shenzhen", "深圳", 114.06, 22.54], ["Chengdu", "成都", 104.07, 30.57], ["Chongqing", "重庆", 106.55, 29.56],
  ["Wuhan", "武汉", 114.31, 30.59], ["Xi'an", "西安", 108.94, 34.34], ["Hangzhou", "杭州", 120.16, 30.27],
  ["Nanjing", "南京", 118.80, 32.06], ["Tianjin", "天津", 117.20, 39.08], ["Shenyang", "沈阳", 123.43, 41.80],
  ["Harbin", "哈尔滨", 126.53, 45.80], ["Kunming", "昆明", 102.83, 24.88], ["Urumqi", "乌鲁木齐", 87.62, 43.83],
  ["Lhasa", "拉萨", 91.14, 29.65], ["Xiamen", "厦门", 118.09, 24.48], ["Qingdao", "青岛", 120.38, 36.07],
  ["Zhengzhou", "郑州", 113.63, 34.75], ["Changsha", "长沙", 112.94, 28.23], ["Hong Kong", "香港", 114.17, 22.32],
];

// The view: the points' box, padded, at least `minSpan` degrees each way (a city cluster is not a dot).
function extent(points, minSpan = 2.5) {
  if (!points.length) return [[73, 54], [135, 17]]; // all of China
  const lons = points.map((p) => p.lon), lats = points.map((p) => p.lat);
  let [x0, x1, y0, y1] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const padX = Math.max((x1 - x0) * 0.12, (minSpan - (x1 - x0)) / 2, 0.3);
  const padY = Math.max((y1 - y0) * 0.12, (minSpan - (y1 - y0)) / 2, 0.3);
  [x0, x1, y0, y1] = [x0 - padX, x1 + padX, y0 - padY, y1 + padY];
  return [[x0, y1], [x1, y0]]; // ECharts: [left, top], [right, bottom]
}

// accounts: [{id, lon, lat, colour, size, ring, tip}]; managers: [{id, lon, lat, colour, tip}];
// focus: the points the view fits (e.g. one region's). onPick(accountId) on a click.
export async function drawMap(node, { accounts, managers, focus, onPick, height }) {
  const { init, getInstanceByDom } = await loadMap();
  // A hidden tab has no width to draw at; the tab draws its map when it is shown.
  if (!node.isConnected || node.closest("[hidden]")) return null;
  node.style.height = `${height}px`; // through the CSSOM: the page's CSP forbids style attributes
  const chart = getInstanceByDom(node) || init(node, null, { renderer: "canvas" });
  chart.resize();
  const zh = lang() === "zh-CN";
  const text = { fontSize: 11, color: "#1d2433" };
  const view = extent(focus);
  // Province names only once the view is a few provinces wide: over all of China they hide the cities.
  const close = view[1][0] - view[0][0] < 14;
  chart.setOption({
    animation: false,
    backgroundColor: "#eaf2fa", // the sea
    // Drawn on the canvas: an HTML tooltip would carry style attributes, which the CSP refuses.
    tooltip: { trigger: "item", renderMode: "richText", textStyle: { fontSize: 12 } },
    geo: {
      map: MAP, roam: true, nameProperty: zh ? "name_zh" : "name_en", boundingCoords: view,
      itemStyle: { areaColor: "#fbfbf8", borderColor: "#9aa6b8", borderWidth: 0.8 },
      label: { show: close, ...text, color: "#8a94a6" },
      emphasis: { itemStyle: { areaColor: "#f1f3ee" }, label: { show: true, ...text } },
      select: { disabled: true },
      tooltip: { show: false },
    },
    series: [
      { id: "cities", type: "scatter", coordinateSystem: "geo", silent: true, symbol: "diamond", symbolSize: 5,
        itemStyle: { color: "#5b6473" }, label: { show: true, position: "right", ...text, color: "#5b6473", formatter: "{b}" },
        data: CITIES.map(([en, cn, lon, lat]) => ({ name: zh ? cn : en, value: [lon, lat] })), z: 1 },
      { id: "accounts", type: "scatter", coordinateSystem: "geo", z: 3,
        data: accounts.map((a) => ({ name: a.id, value: [a.lon, a.lat], symbolSize: a.size, tip: a.tip,
          itemStyle: { color: a.colour, opacity: 0.85, borderColor: a.ring ? "#000" : "#fff", borderWidth: a.ring ? 2 : 0.5 } })),
        tooltip: { formatter: (p) => p.data.tip }, emphasis: { scale: 1.6 } },
      { id: "managers", type: "scatter", coordinateSystem: "geo", symbol: "triangle", symbolSize: 13, z: 4,
        data: managers.map((m) => ({ name: m.id, value: [m.lon, m.lat], tip: m.tip, itemStyle: { color: m.colour, borderColor: "#000", borderWidth: 1 } })),
        tooltip: { formatter: (p) => p.data.tip } },
    ],
  }, true);
  chart.off("click");
  chart.on("click", (p) => { if (p.seriesId === "accounts") onPick(p.data.name); });
  node.dataset.accounts = String(accounts.length);
  node.dataset.focus = String(focus.length); // how many accounts the view was fitted to
  node.setAttribute("aria-label", t("map.aria", { n: accounts.length }));
  return chart;
}
