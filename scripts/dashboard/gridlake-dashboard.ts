/**
 * The gridlake Grafana dashboard as code (docs/dashboard.md). `npm run dashboard`
 * writes it to charts/gridlake/files/dashboards/gridlake.json, which the chart
 * wraps in a ConfigMap for the kube-prometheus-stack sidecar. Metric names are
 * the ones docs/metrics.md lists; every panel's query is run against a real
 * Prometheus scraping a real pipeline and controller in
 * test/integration/dashboard/dashboard-queries.test.ts.
 */
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type Threshold,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  BigValueColorMode,
  BigValueGraphMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  type DataSourceRef,
} from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';

export const DASHBOARD_UID = 'gridlake';

/** Every panel queries the data source the `datasource` variable picks. */
const DS: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** `metric{namespace=~"$namespace",…}`: every query is scoped to the chosen namespaces. */
const sel = (metric: string, ...matchers: string[]): string =>
  `${metric}{${['namespace=~"$namespace"', ...matchers].join(',')}}`;
const BY_SOURCE = 'source=~"$source"';

type Target = readonly [expr: string, legend: string];

const query = ([expr, legend]: Target, i: number): DataqueryBuilder =>
  new DataqueryBuilder()
    .refId(String.fromCharCode(65 + i))
    .datasource(DS)
    .expr(expr)
    .legendFormat(legend)
    .range();

function timeseries(id: number, title: string, description: string, unit: string, targets: readonly Target[]) {
  const panel = new TimeseriesPanel()
    .id(id)
    .title(title)
    .description(description)
    .datasource(DS)
    .unit(unit)
    .span(12)
    .height(8);
  targets.forEach((t, i) => panel.withTarget(query(t, i)));
  return panel;
}

function stat(id: number, title: string, description: string, unit: string, targets: readonly Target[]) {
  const panel = new StatPanel()
    .id(id)
    .title(title)
    .description(description)
    .datasource(DS)
    .unit(unit)
    .graphMode(BigValueGraphMode.None)
    .colorMode(BigValueColorMode.Value)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .span(12)
    .height(8);
  targets.forEach((t, i) => panel.withTarget(query(t, i)));
  return panel;
}

const steps = (...s: Threshold[]) => new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(s);
const lines = (mode = GraphThresholdsStyleMode.LineAndArea) => new GraphThresholdsStyleConfigBuilder().mode(mode);

/**
 * KPX's power-supply emergency levels (전력수급 비상단계), set on the operating
 * reserve in MW: 준비 below 5.5 GW, 관심 below 4.5 GW, 주의 below 3.5 GW, 경계
 * below 2.5 GW, 심각 below 1.5 GW (KPX, "전력수급 비상단계별 조치", and the
 * Ministry of Trade, Industry and Energy's 전력수급 위기대응 매뉴얼). KPX publishes
 * no levels on the reserve rate: as a rate a level depends on demand, so the
 * rate panel draws the first and last level as `level MW / demand MW × 100`.
 */
export const KPX_RESERVE_LEVELS_MW = [
  { level: '준비 (ready)', belowMw: 5500, color: 'yellow' },
  { level: '관심 (attention)', belowMw: 4500, color: 'orange' },
  { level: '주의 (caution)', belowMw: 3500, color: 'dark-orange' },
  { level: '경계 (alert)', belowMw: 2500, color: 'red' },
  { level: '심각 (serious)', belowMw: 1500, color: 'dark-red' },
] as const;

const demand = sel('gridlake_power_demand_megawatts', BY_SOURCE);
const operatingReserveMw = `${sel('gridlake_power_operating_reserve_percent', BY_SOURCE)} * ${demand} / 100`;

function gridRow(): RowBuilder {
  return new RowBuilder('Grid and weather').id(100);
}

function gridPanels() {
  const levels = [...KPX_RESERVE_LEVELS_MW].reverse();
  return [
    timeseries(
      1,
      'National demand vs supply capacity',
      'Current demand and supply capability of the newest KPX reading (5-minute slots).',
      'megwatt',
      [
        [demand, 'demand {{source}}'],
        [sel('gridlake_power_supply_capacity_megawatts', BY_SOURCE), 'supply capacity {{source}}'],
      ],
    ),
    timeseries(
      2,
      'Supply and operating reserve rate',
      'Reserve rates as KPX sends them. The dashed lines are the KPX 준비 (5.5 GW) and 심각 (1.5 GW) levels of operating reserve, as a rate of the current demand.',
      'percent',
      [
        [sel('gridlake_power_supply_reserve_percent', BY_SOURCE), 'supply reserve {{source}}'],
        [sel('gridlake_power_operating_reserve_percent', BY_SOURCE), 'operating reserve {{source}}'],
        [`5500 * 100 / ${demand}`, '준비 level (5.5 GW) {{source}}'],
        [`1500 * 100 / ${demand}`, '심각 level (1.5 GW) {{source}}'],
      ],
    )
      .overrideByRegexp('/level/', [
        { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
        { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
      ])
      .min(0),
    timeseries(
      3,
      'Operating reserve against the KPX emergency levels',
      'Operating reserve in MW (rate × demand). The bands are KPX’s emergency levels: 준비 < 5.5 GW, 관심 < 4.5 GW, 주의 < 3.5 GW, 경계 < 2.5 GW, 심각 < 1.5 GW.',
      'megwatt',
      [[operatingReserveMw, 'operating reserve {{source}}']],
    )
      .thresholds(
        steps(
          { value: null, color: levels[0]!.color },
          ...levels.slice(1).map((l, i) => ({ value: levels[i]!.belowMw, color: l.color })),
          { value: KPX_RESERVE_LEVELS_MW[0].belowMw, color: 'green' },
        ),
      )
      .thresholdsStyle(lines(GraphThresholdsStyleMode.DashedAndArea))
      .min(0),
    timeseries(
      4,
      'Temperature per location',
      'Newest hourly temperature (KMA T1H) of each location the WeatherSources observe.',
      'celsius',
      [[`max by (location) (${sel('gridlake_weather_temperature_celsius')})`, '{{location}}']],
    ),
    timeseries(
      5,
      'Demand against temperature',
      'National demand (left axis) beside the mean temperature over the observed locations (right axis): demand rises with heating and cooling.',
      'megwatt',
      [
        [`sum(${demand})`, 'demand'],
        [`avg(${sel('gridlake_weather_temperature_celsius')})`, 'mean temperature'],
      ],
    ).overrideByName('mean temperature', [
      { id: 'unit', value: 'celsius' },
      { id: 'custom.axisPlacement', value: 'right' },
    ]),
  ];
}

function collectorPanels() {
  return [
    timeseries(
      10,
      'Freshness per source',
      'Age of the newest reading each source produced. Alerts fire past 15 min (power) and 90 min (weather).',
      's',
      [
        [
          `time() - max by (kind, source) (${sel('gridlake_source_latest_observation_timestamp_seconds', BY_SOURCE)})`,
          '{{kind}} {{source}}',
        ],
      ],
    )
      .thresholds(
        steps({ value: null, color: 'green' }, { value: 15 * 60, color: 'orange' }, { value: 90 * 60, color: 'red' }),
      )
      .thresholdsStyle(lines(GraphThresholdsStyleMode.Dashed)),
    timeseries(11, 'Polls by outcome', 'API calls per second, by how they were classified.', 'reqps', [
      [
        `sum by (source, outcome) (rate(${sel('gridlake_source_polls_total', BY_SOURCE)}[$__rate_interval]))`,
        '{{source}} {{outcome}}',
      ],
    ]).stacking(new StackingConfigBuilder().mode(StackingMode.Normal)),
    timeseries(
      12,
      'Quota used',
      'Calls made today (KST day) over the daily budget. The alert fires above 80 %.',
      'percentunit',
      [[`max by (kind, source) (${sel('gridlake_source_quota_used_ratio', BY_SOURCE)})`, '{{kind}} {{source}}']],
    )
      .thresholds(steps({ value: null, color: 'green' }, { value: 0.8, color: 'red' }))
      .thresholdsStyle(lines(GraphThresholdsStyleMode.Dashed))
      .min(0)
      .max(1),
    timeseries(
      13,
      'Dead letters',
      'Records sent to the dead letter per interval, by who rejected them and at which stage.',
      'short',
      [
        [
          `sum by (source, stage) (increase(${sel('gridlake_deadletter_records_total', BY_SOURCE)}[$__rate_interval]))`,
          '{{source}} {{stage}}',
        ],
      ],
    ),
  ];
}

function sinkPanels() {
  return [
    timeseries(20, 'Sink throughput', 'Rows and Parquet bytes written to the lake per second.', 'rowsps', [
      [
        `sum by (sink, topic) (rate(${sel('gridlake_sink_records_total')}[$__rate_interval]))`,
        'rows {{sink}} {{topic}}',
      ],
      [`sum by (sink) (rate(${sel('gridlake_sink_bytes_total')}[$__rate_interval]))`, 'bytes {{sink}}'],
    ]).overrideByRegexp('/^bytes/', [
      { id: 'unit', value: 'Bps' },
      { id: 'custom.axisPlacement', value: 'right' },
    ]),
    timeseries(
      21,
      'Sink lag and buffered bytes',
      'Records on the bus not yet in the lake (left), and bytes held in buffers and uploads (right).',
      'short',
      [
        [`sum by (sink, topic) (${sel('gridlake_sink_lag_records')})`, 'lag {{sink}} {{topic}}'],
        [`sum by (sink) (${sel('gridlake_sink_buffered_bytes')})`, 'buffered {{sink}}'],
      ],
    ).overrideByRegexp('/^buffered/', [
      { id: 'unit', value: 'bytes' },
      { id: 'custom.axisPlacement', value: 'right' },
    ]),
  ];
}

function joinPanels() {
  return [
    timeseries(30, 'Join runs by outcome', 'Daily join runs finished per interval, by outcome.', 'short', [
      [
        `sum by (join, outcome) (increase(${sel('gridlake_join_runs_total')}[$__rate_interval]))`,
        '{{join}} {{outcome}}',
      ],
    ])
      .overrideByRegexp('/failed/', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }])
      .stacking(new StackingConfigBuilder().mode(StackingMode.Normal)),
    timeseries(31, 'Join run duration', 'Mean wall time of the runs finished in the last day.', 's', [
      [
        `sum by (join) (increase(${sel('gridlake_join_run_duration_seconds_sum')}[1d])) / sum by (join) (increase(${sel('gridlake_join_run_duration_seconds_count')}[1d]))`,
        '{{join}}',
      ],
    ]),
    stat(
      32,
      'Last successful date',
      'Logical date (00:00 KST) of the newest successful run per DailyJoin. The alert fires when it is older than two days.',
      'dateTimeAsIsoNoDateIfToday',
      [[`max by (join) (${sel('gridlake_join_last_success_date_timestamp_seconds')}) * 1000`, '{{join}}']],
    ),
  ];
}

function sitePanels() {
  return [
    timeseries(
      40,
      'Agent connected per site',
      'Whether each remote-site agent holds its heartbeat Lease (1) or not (0).',
      'short',
      [[`max by (site) (${sel('gridlake_site_agent_connected')})`, '{{site}}']],
    )
      .thresholds(steps({ value: null, color: 'red' }, { value: 1, color: 'green' }))
      .min(0)
      .max(1),
    timeseries(
      41,
      'Spool size per site',
      "Bytes in each site agent's spool against its bound (left) and readings not yet forwarded (right), as the agents' Leases report them to the hub.",
      'bytes',
      [
        [`sum by (site) (${sel('gridlake_site_spool_bytes')})`, 'bytes {{site}}'],
        [`sum by (site) (${sel('gridlake_site_spool_limit_bytes')})`, 'bound {{site}}'],
        [`sum by (site) (${sel('gridlake_site_spool_records')})`, 'records {{site}}'],
      ],
    ).overrideByRegexp('/^records/', [
      { id: 'unit', value: 'short' },
      { id: 'custom.axisPlacement', value: 'right' },
    ]),
    timeseries(
      42,
      'Forwarded watermark age per site',
      'How far behind now the newest reading each site forwarded to the hub is.',
      's',
      [
        [
          `time() - max by (site, source) (${sel('gridlake_site_forwarded_watermark_seconds', BY_SOURCE)})`,
          '{{site}} {{source}}',
        ],
      ],
    ),
  ];
}

function controllerPanels() {
  return [
    timeseries(50, 'Controller leader', '1 for the controller process that holds the leader Lease.', 'short', [
      [`max by (pod, instance) (${sel('leader_election_master_status')})`, '{{pod}} {{instance}}'],
    ])
      .min(0)
      .max(1),
    timeseries(51, 'Reconcile errors', 'Reconciles that failed, per second, by controller.', 'ops', [
      [
        `sum by (controller) (rate(${sel('controller_runtime_reconcile_errors_total')}[$__rate_interval]))`,
        '{{controller}}',
      ],
    ]),
  ];
}

/** The dashboard, as Grafana's JSON model (schema version of the SDK's `dashboard` package). */
export function gridlakeDashboard(): Dashboard {
  const namespace = new QueryVariableBuilder('namespace')
    .label('namespace')
    .datasource(DS)
    .query({
      qryType: 1,
      query: 'label_values({__name__=~"gridlake_.+|leader_election_master_status"}, namespace)',
      refId: 'PrometheusVariableQueryEditor-VariableQuery',
    })
    .definition('label_values({__name__=~"gridlake_.+|leader_election_master_status"}, namespace)')
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
  const source = new QueryVariableBuilder('source')
    .label('source')
    .description('namespace/name of a PowerSource or WeatherSource (collector panels only)')
    .datasource(DS)
    .query({
      qryType: 1,
      query: 'label_values(gridlake_source_polls_total{namespace=~"$namespace"}, source)',
      refId: 'PrometheusVariableQueryEditor-VariableQuery',
    })
    .definition('label_values(gridlake_source_polls_total{namespace=~"$namespace"}, source)')
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*');

  const builder = new DashboardBuilder('gridlake')
    .uid(DASHBOARD_UID)
    .description('KPX power and KMA weather as they arrive, then the health of the pipeline that collects them.')
    .tags(['gridlake'])
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: 'now-24h', to: 'now' })
    .refresh('1m')
    .readonly()
    .withVariable(new DatasourceVariableBuilder('datasource').label('data source').type('prometheus'))
    .withVariable(namespace)
    .withVariable(source);

  const rows: readonly [RowBuilder, readonly (TimeseriesPanel | StatPanel)[]][] = [
    [gridRow(), gridPanels()],
    [new RowBuilder('Collectors').id(101), collectorPanels()],
    [new RowBuilder('Lake sink').id(102), sinkPanels()],
    [new RowBuilder('Daily join').id(103), joinPanels()],
    [new RowBuilder('Remote sites').id(104), sitePanels()],
    [new RowBuilder('Controller').id(105), controllerPanels()],
  ];
  for (const [row, panels] of rows) {
    builder.withRow(row);
    for (const p of panels) builder.withPanel(p);
  }
  return builder.build();
}
