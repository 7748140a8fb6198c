/*
 * The status page's markup, style and browser script, as one string (the
 * build copies only TypeScript, so the page ships inside the module). The
 * script runs as is in the browser: plain ES2020, no backticks (this file's
 * template literal holds it), no imports; uPlot is a global from its own file.
 * It exposes what it drew on `window.gridlake` for the browser test.
 */

export interface StatusPageHtmlOptions {
  readonly refreshSeconds: number;
  readonly days: number;
  readonly routes: {
    readonly uplotJs: string;
    readonly uplotCss: string;
    readonly warehouse: string;
    readonly summary: string;
  };
}

const STYLE = `
:root { --fg:#1d2433; --muted:#5f6b7c; --line:#dde3ea; --bg:#f6f8fa; --card:#fff;
  --ok:#1a7f37; --warning:#b35900; --error:#cf222e; --unknown:#6e7781; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans KR",sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; align-items:baseline; gap:16px; padding:14px 24px; background:#0f2a44; color:#fff; }
header h1 { margin:0; font-size:20px; font-weight:600; }
header .sub { color:#b9c7d6; font-size:13px; }
header .right { margin-left:auto; font-size:13px; color:#b9c7d6; }
main { padding:16px 24px 32px; display:grid; gap:16px; }
section.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 16px; }
section.card h2 { margin:0 0 8px; font-size:15px; font-weight:600; }
.tiles { display:flex; flex-wrap:wrap; gap:12px; }
.tile { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 14px; min-width:150px; }
.tile .label { color:var(--muted); font-size:12px; }
.tile .value { font-size:22px; font-weight:600; font-variant-numeric:tabular-nums; }
.tile .at { color:var(--muted); font-size:12px; }
table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:500; font-size:12px; }
td.msg { color:var(--muted); font-size:12px; max-width:420px; }
.dot { display:inline-block; width:9px; height:9px; border-radius:50%; margin-right:6px; }
.dot.ok { background:var(--ok); } .dot.warning { background:var(--warning); }
.dot.error { background:var(--error); } .dot.unknown { background:var(--unknown); }
.pill { display:inline-block; padding:0 6px; border-radius:9px; font-size:12px; border:1px solid var(--line); margin:1px 2px 1px 0; }
.pill.partial, .pill.no-input { color:var(--warning); border-color:#f0c48a; }
.pill.failed { color:var(--error); border-color:#f3a7ad; }
.pill.succeeded, .pill.ok { color:var(--ok); border-color:#9bd3aa; }
.grid2 { display:grid; grid-template-columns:repeat(auto-fit, minmax(520px, 1fr)); gap:16px; }
.chart { min-height:280px; }
.empty { color:var(--muted); font-style:italic; }
.error-note { color:var(--error); }
`;

/* The browser script. Reads the config from the page, fetches, renders, repeats. */
const SCRIPT = `
(function () {
  var cfg = JSON.parse(document.getElementById('gridlake-config').textContent);
  var state = { charts: {}, series: null, summary: null, refreshes: 0, errors: [], lastSink: {} };
  window.gridlake = state;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function int(v) { return v == null ? '–' : Math.round(v).toLocaleString('en-US'); }
  function one(v) { return v == null ? '–' : v.toFixed(1); }
  function pct(v) { return v == null ? '–' : (v * 100).toFixed(0) + ' %'; }
  /* Korean time, whatever the browser's zone */
  function kst(sec) { return new Date((sec + 9 * 3600) * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' KST'; }
  function kstIso(iso) { return iso ? kst(Date.parse(iso) / 1000) : '–'; }
  function age(s) {
    if (s == null) return '–';
    if (s < 90) return Math.round(s) + ' s';
    if (s < 5400) return Math.round(s / 60) + ' min';
    if (s < 172800) return (s / 3600).toFixed(1) + ' h';
    return (s / 86400).toFixed(1) + ' d';
  }
  function dot(h) { return '<span class="dot ' + esc(h || 'unknown') + '" title="' + esc(h || 'unknown') + '"></span>'; }
  /* outcomes come as 'Succeeded' (a run's status) or 'succeeded' (a report): one colour for both */
  function pill(text) { return '<span class="pill ' + esc(String(text).toLowerCase()) + '">' + esc(text) + '</span>'; }
  function setHtml(id, html) { document.getElementById(id).innerHTML = html; }

  function renderTiles(s) {
    var p = s && s.latest, w = s && s.latestWeather;
    if (!p && !w) { setHtml('tiles', '<span class="empty">The warehouse has no joined hour yet: the first join runs after the catch-up.</span>'); return; }
    var tiles = [];
    if (p) {
      tiles.push(['demand', 'National demand', int(p.demandMw) + ' MW', p.hourStart],
        ['capacity', 'Supply capacity', int(p.supplyCapacityMw) + ' MW', p.hourStart],
        ['reserve', 'Reserve rate (min)', one(p.reservePct) + ' %', p.hourStart]);
    }
    if (w) {
      tiles.push(['temp-mean', 'Mean temperature', one(w.meanTemperatureC) + ' °C', w.hourStart]);
      s.locations.forEach(function (loc) { tiles.push(['temp-' + loc, 'Temperature ' + loc, one(w.temperatureC[loc]) + ' °C', w.hourStart]); });
    }
    setHtml('tiles', tiles.map(function (t) {
      return '<div class="tile" data-tile="' + esc(t[0]) + '"><div class="label">' + esc(t[1]) +
        '</div><div class="value">' + esc(t[2]) + '</div><div class="at">' + esc(kst(t[3])) + '</div></div>';
    }).join(''));
  }

  function renderSources(rows) {
    if (!rows.length) return '<p class="empty">No sources.</p>';
    return '<table><tr><th>source</th><th>newest reading</th><th>age</th><th>last values</th><th>calls today / budget</th><th>last poll</th><th></th></tr>' +
      rows.map(function (r) {
        var vals = (r.values || []).map(function (v) { return esc(v.label) + ' ' + esc(v.unit === 'MW' ? int(v.value) : one(v.value)) + ' ' + esc(v.unit); }).join('<br>');
        return '<tr data-row="source" data-name="' + esc(r.name) + '"><td>' + dot(r.health) + esc(r.kind) + ' <b>' + esc(r.name) + '</b>' + (r.suspended ? ' ' + pill('suspended') : '') +
          '</td><td>' + esc(kstIso(r.newestTime)) + '</td><td>' + esc(age(r.ageSeconds)) + '</td><td>' + (vals || '–') +
          '</td><td>' + esc(r.callsToday == null ? '–' : r.callsToday) + ' / ' + esc(r.dailyCallBudget) +
          '</td><td>' + esc(r.lastOutcome || '–') + '</td><td class="msg">' + esc(r.message || '') + '</td></tr>';
      }).join('') + '</table>';
  }

  /* throughput: records per minute between two refreshes */
  function throughput(r, now) {
    var prev = state.lastSink[r.name];
    state.lastSink[r.name] = { t: now, n: r.recordsTotal };
    if (!prev || r.recordsTotal == null || prev.n == null || now <= prev.t) return '–';
    return int((r.recordsTotal - prev.n) / ((now - prev.t) / 60000)) + ' rec/min';
  }

  function renderSinks(rows) {
    if (!rows.length) return '<p class="empty">No sinks.</p>';
    var now = Date.now();
    return '<table><tr><th>sink</th><th>topics</th><th>records</th><th>throughput</th><th>files</th><th>lag (records)</th><th>last flush</th><th></th></tr>' +
      rows.map(function (r) {
        return '<tr data-row="sink" data-name="' + esc(r.name) + '"><td>' + dot(r.health) + '<b>' + esc(r.name) + '</b>' + (r.suspended ? ' ' + pill('suspended') : '') +
          '</td><td>' + (r.topics || []).map(esc).join('<br>') + '</td><td>' + esc(int(r.recordsTotal)) + '</td><td>' + esc(throughput(r, now)) +
          '</td><td>' + esc(int(r.filesTotal)) + '</td><td>' + esc(int(r.lagRecords)) + '</td><td>' + esc(kstIso(r.lastFlushTime)) +
          (r.lastFlushAgeSeconds != null ? ' (' + esc(age(r.lastFlushAgeSeconds)) + ' ago)' : '') + '</td><td class="msg">' + esc(r.message || '') + '</td></tr>';
      }).join('') + '</table>';
  }

  function renderJoins(rows) {
    if (!rows.length) return '<p class="empty">No joins.</p>';
    return rows.map(function (j) {
      var runs = (j.runs || []).slice(0, 8);
      return '<h3 style="margin:8px 0 4px;font-size:14px">' + dot(j.health) + esc(j.name) + ' <span class="empty" style="font-style:normal">' + esc(j.schedule) +
        (j.nextScheduleTime ? ' · next ' + esc(kstIso(j.nextScheduleTime)) : '') + (j.lastSuccessfulDate ? ' · last successful ' + esc(j.lastSuccessfulDate) : '') +
        (j.noInputDates && j.noInputDates.length ? ' · waiting for input: ' + esc(j.noInputDates.join(', ')) : '') + '</span></h3>' +
        (runs.length ? '<table><tr><th>date</th><th>trigger</th><th>outcome</th><th>power coverage</th><th>weather coverage</th><th>quality</th><th>finished</th><th></th></tr>' +
          runs.map(function (r) {
            return '<tr data-row="run" data-date="' + esc(r.date) + '"><td>' + esc(r.date) + '</td><td>' + esc(r.trigger || '–') + '</td><td>' +
              pill(r.outcome || r.state || 'pending') + '</td><td>' + esc(pct(r.powerCoverage)) + '</td><td>' + esc(pct(r.weatherCoverage)) +
              '</td><td>' + (r.qualityLevel ? pill(r.qualityLevel) : '–') + '</td><td>' + esc(kstIso(r.completionTime)) + '</td><td class="msg">' + esc(r.message || '') + '</td></tr>';
          }).join('') + '</table>' : '<p class="empty">No runs yet.</p>') +
        (j.message ? '<p class="msg">' + esc(j.message) + '</p>' : '');
    }).join('');
  }

  function renderSummary(s) {
    state.summary = s;
    setHtml('sources', renderSources(s.sources || []));
    setHtml('sinks', renderSinks(s.sinks || []));
    setHtml('joins', renderJoins(s.joins || []));
  }

  var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
  function width(id) { return Math.max(320, document.getElementById(id).clientWidth); }
  var tzDate = function (ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Asia/Seoul'); };
  function line(label, color, unit, scale) {
    return { label: label, stroke: color, width: 1.5, scale: scale, value: function (u, v) { return v == null ? '–' : (unit === 'MW' ? int(v) : one(v)) + ' ' + unit; } };
  }
  function timeOpts(id, series, axes) {
    return { width: width(id), height: 260, tzDate: tzDate, series: [{ label: 'hour (KST)', value: function (u, v) { return v == null ? '–' : kst(v); } }].concat(series),
      axes: [{}].concat(axes), legend: { live: true } };
  }

  /* the four charts: built on the first data, fed with setData after; rebuilt when the locations change */
  var builders = {
    demand: function (s) {
      return [timeOpts('chart-demand', [line('demand', PALETTE[0], 'MW', 'mw'), line('supply capacity', PALETTE[2], 'MW', 'mw')],
        [{ scale: 'mw', label: 'MW', size: 70, values: function (u, vs) { return vs.map(int); } }]),
        [s.hourStart, s.demandMw, s.supplyCapacityMw]];
    },
    reserve: function (s) {
      return [timeOpts('chart-reserve', [line('reserve rate (min)', PALETTE[4], '%', '%')], [{ scale: '%', label: '%', size: 50 }]),
        [s.hourStart, s.reservePct]];
    },
    temperature: function (s) {
      var series = s.locations.map(function (loc, i) { return line(loc, PALETTE[i % PALETTE.length], '°C', 'c'); });
      return [timeOpts('chart-temperature', series, [{ scale: 'c', label: '°C', size: 50 }]),
        [s.hourStart].concat(s.locations.map(function (loc) { return s.temperatureC[loc]; }))];
    },
    scatter: function (s) {
      /* demand against the mean temperature of the same hour, sorted by temperature (uPlot wants x ascending) */
      var pairs = [];
      for (var i = 0; i < s.hourStart.length; i++) {
        var t = s.meanTemperatureC[i], d = s.demandMw[i];
        if (t != null && d != null) pairs.push([t, d]);
      }
      pairs.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
      return [{ width: width('chart-scatter'), height: 260, scales: { x: { time: false } }, legend: { live: true },
        series: [{ label: 'mean temperature', value: function (u, v) { return v == null ? '–' : one(v) + ' °C'; } },
          { label: 'demand (hourly mean)', stroke: PALETTE[3], fill: PALETTE[3], paths: function () { return null; },
            points: { show: true, size: 5, stroke: PALETTE[3], fill: PALETTE[3] },
            value: function (u, v) { return v == null ? '–' : int(v) + ' MW'; } }],
        axes: [{ label: '°C (mean over locations)' }, { label: 'MW', size: 70, values: function (u, vs) { return vs.map(int); } }] },
        [pairs.map(function (p) { return p[0]; }), pairs.map(function (p) { return p[1]; })]];
    }
  };

  function renderCharts(s) {
    var key = s.locations.join(',');
    Object.keys(builders).forEach(function (name) {
      var built = builders[name](s);
      var chart = state.charts[name];
      if (chart && chart._gridlakeKey === key) { chart.setData(built[1]); return; }
      if (chart) chart.destroy();
      var el = document.getElementById('chart-' + name);
      el.innerHTML = '';
      chart = new uPlot(built[0], built[1], el);
      chart._gridlakeKey = key;
      state.charts[name] = chart;
    });
    var days = s.dates.length ? s.dates[0] + ' … ' + s.dates[s.dates.length - 1] + ' (' + s.dates.length + ' dates)' : 'no dates joined yet';
    setHtml('chart-range', esc(days));
  }

  function getJson(url) {
    return fetch(url, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) return r.json().catch(function () { return {}; }).then(function (b) { throw new Error(url + ': ' + r.status + (b && b.error ? ' ' + b.error : '')); });
      return r.json();
    });
  }

  function note(id, err) { setHtml(id, '<p class="error-note">' + esc(err.message || err) + '</p>'); state.errors.push(String(err.message || err)); }

  function refresh() {
    var series = getJson(cfg.routes.warehouse + '?days=' + cfg.days).then(function (s) {
      state.series = s; renderTiles(s); renderCharts(s);
    }, function (e) { note('tiles', e); });
    var summary = getJson(cfg.routes.summary).then(renderSummary, function (e) { note('sources', e); });
    return Promise.all([series, summary]).then(function () {
      state.refreshes++;
      setHtml('updated', 'updated ' + esc(new Date().toLocaleTimeString('en-GB', { timeZone: 'Asia/Seoul' })) + ' KST · every ' + cfg.refreshSeconds + ' s');
    });
  }

  window.addEventListener('resize', function () {
    Object.keys(state.charts).forEach(function (name) {
      state.charts[name].setSize({ width: width('chart-' + name), height: 260 });
    });
  });
  refresh();
  setInterval(refresh, cfg.refreshSeconds * 1000);
})();
`;

/** The whole page; the config goes in as JSON so the script reads it without string building. */
export function statusPageHtml(o: StatusPageHtmlOptions): string {
  // `<` escaped: the JSON sits inside a <script> element.
  const config = JSON.stringify({ refreshSeconds: o.refreshSeconds, days: o.days, routes: o.routes }).replace(
    /</g,
    '\\u003c',
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gridlake status</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${o.routes.uplotCss}">
<style>${STYLE}</style>
</head>
<body>
<header><h1>gridlake</h1><span class="sub">Korean power and weather, joined hourly</span><span class="right" id="updated">loading…</span></header>
<main>
<div class="tiles" id="tiles"></div>
<section class="card"><h2>Sources</h2><div id="sources"><p class="empty">loading…</p></div></section>
<section class="card"><h2>Sink</h2><div id="sinks"><p class="empty">loading…</p></div></section>
<section class="card"><h2>Joins: the last runs</h2><div id="joins"><p class="empty">loading…</p></div></section>
<section class="card"><h2>Warehouse, hourly <span class="empty" style="font-weight:400;font-style:normal" id="chart-range"></span></h2>
<div class="grid2">
<div><h2>National demand vs supply capacity</h2><div class="chart" id="chart-demand"></div></div>
<div><h2>Supply reserve rate</h2><div class="chart" id="chart-reserve"></div></div>
<div><h2>Temperature per location</h2><div class="chart" id="chart-temperature"></div></div>
<div><h2>Demand against temperature</h2><div class="chart" id="chart-scatter"></div></div>
</div></section>
</main>
<script id="gridlake-config" type="application/json">${config}</script>
<script src="${o.routes.uplotJs}"></script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
