import { describe, expect, it } from 'vitest';
import type { Condition } from '../../../src/api/common.js';
import { formatAge, summarizeStatus } from '../../../src/api/status-summary.js';
import type { StatusResource, StatusView } from '../../../src/api/status-view.js';

const NOW = Date.parse('2026-11-23T06:00:00Z');
const ago = (s: number): string => new Date(NOW - s * 1000).toISOString();
const view = (...resources: StatusResource[]): StatusView => ({
  version: 1,
  runtime: 'cluster',
  generatedAt: new Date(NOW).toISOString(),
  resources,
});
const c = (type: string, status: Condition['status'], message = `${type} ${status}`): Condition => ({
  type,
  status,
  reason: 'R',
  message,
  lastTransitionTime: ago(600),
});

const power = (
  status: Extract<StatusResource, { kind: 'PowerSource' }>['status'],
  suspend = false,
): StatusResource => ({
  kind: 'PowerSource',
  namespace: 'ns',
  name: 'kpx',
  spec: { pollIntervalSeconds: 300, dailyCallBudget: 1000, topic: 'kpx', suspend },
  status,
});
const progress = { reporter: 'pod', updatedAt: ago(10) };

describe('summarizeStatus: sources', () => {
  it.each([
    {
      name: 'a fresh power source shows its last values, calls of its budget and health ok',
      status: {
        conditions: [c('Ready', 'True'), c('Collecting', 'True')],
        progress: {
          ...progress,
          lastPollTime: ago(20),
          lastOutcome: 'ok' as const,
          lastReadingTime: ago(180),
          lastReading: { currentDemandMw: 61234, supplyCapacityMw: 80000, supplyReservePct: 30.6 },
          callsToday: 12,
        },
      },
      want: {
        health: 'ok',
        ageSeconds: 180,
        callsToday: 12,
        dailyCallBudget: 1000,
        lastOutcome: 'ok',
        message: '',
        values: [
          { label: 'demand', value: 61234, unit: 'MW' },
          { label: 'supply', value: 80000, unit: 'MW' },
          { label: 'reserve', value: 30.6, unit: '%' },
        ],
      },
    },
    {
      name: 'a source whose newest reading is older than three polls and an hour is a warning',
      status: {
        progress: {
          ...progress,
          lastPollTime: ago(20),
          lastOutcome: 'ok' as const,
          lastReadingTime: ago(3 * 300 + 3601),
        },
      },
      want: { health: 'warning', ageSeconds: 3 * 300 + 3601 },
    },
    {
      name: 'a source refused by its key is an error, with the condition as its sentence',
      status: {
        conditions: [c('Ready', 'True'), c('AuthFailed', 'True', 'the key is not registered')],
        progress: { ...progress, lastPollTime: ago(20), lastOutcome: 'auth' as const },
      },
      want: { health: 'error', message: 'the key is not registered' },
    },
    {
      name: 'a failing poll without a condition says the last error',
      status: {
        progress: {
          ...progress,
          lastPollTime: ago(20),
          lastOutcome: 'timeout' as const,
          lastError: { class: 'timeout', message: 'no answer in 10 s', time: ago(20) },
        },
      },
      want: { health: 'warning', message: 'timeout: no answer in 10 s' },
    },
    {
      name: 'a source that never reported is unknown, with no values',
      status: {},
      want: { health: 'unknown', values: [], message: '' },
    },
  ])('$name', ({ status, want }) => {
    const [row] = summarizeStatus(view(power(status)), NOW).sources;
    expect(row).toMatchObject(want);
  });

  it('a suspended source is unknown and says it is suspended', () => {
    const [row] = summarizeStatus(view(power({}, true)), NOW).sources;
    expect(row).toMatchObject({ health: 'unknown', suspended: true, message: 'suspended (spec.suspend)' });
  });

  it('a weather source shows the temperature of each location that has one', () => {
    const [row] = summarizeStatus(
      view({
        kind: 'WeatherSource',
        namespace: 'ns',
        name: 'kma',
        spec: { pollIntervalSeconds: 600, dailyCallBudget: 1000, topic: 'kma', suspend: false, locations: [] },
        status: {
          progress: {
            ...progress,
            lastPollTime: ago(30),
            lastOutcome: 'ok',
            lastObservationTime: ago(40 * 60),
            locations: [
              { name: 'seoul', nx: 60, ny: 127, cellRule: 'given', temperatureC: 3.2 },
              { name: 'busan', nx: 98, ny: 76, cellRule: 'given' },
            ],
          },
        },
      }),
      NOW,
    ).sources;
    expect(row).toMatchObject({
      kind: 'WeatherSource',
      health: 'ok',
      ageSeconds: 2400,
      values: [{ label: 'seoul', value: 3.2, unit: '°C' }],
    });
  });
});

describe('summarizeStatus: sinks, joins, sites', () => {
  const sink = (p: object | undefined): StatusResource => ({
    kind: 'LakeSink',
    namespace: 'ns',
    name: 'lake',
    spec: {
      topics: ['kpx', 'kma'],
      lake: { bucket: 'b', prefix: '', region: 'us-east-1' } as never,
      flush: {} as never,
      suspend: false,
    },
    status: p === undefined ? {} : { progress: { ...progress, ...p } },
  });

  it.each([
    {
      name: 'a sink that writes shows throughput, lag and the age of its last flush',
      p: { recordsTotal: 500, filesTotal: 4, lagRecords: 2, lastFlushTime: ago(90) },
      want: { health: 'ok', recordsTotal: 500, filesTotal: 4, lagRecords: 2, lastFlushAgeSeconds: 90, message: '' },
    },
    {
      name: 'a sink whose store fails is an error with the store error as its sentence',
      p: { recordsTotal: 1, lastError: { class: 'Error', message: 'lake store failing', time: ago(5) } },
      want: { health: 'error', message: 'lake store failing' },
    },
    { name: 'a sink that has not reported is unknown', p: undefined, want: { health: 'unknown' } },
  ])('$name', ({ p, want }) => {
    expect(summarizeStatus(view(sink(p)), NOW).sinks[0]).toMatchObject(want);
  });

  const join = (status: Extract<StatusResource, { kind: 'DailyJoin' }>['status']): StatusResource => ({
    kind: 'DailyJoin',
    namespace: 'ns',
    name: 'daily',
    spec: {
      schedule: '30 1 * * *',
      timeZone: 'Asia/Seoul',
      inputs: { power: { name: 'kpx' }, weather: [{ name: 'kma' }] },
      quality: { minPowerCoverage: 0.95, minWeatherCoverage: 0.9 },
      lateDataDays: 3,
      suspend: false,
    },
    status,
  });
  const run = (
    date: string,
    status: Extract<StatusResource, { kind: 'DailyJoinRun' }>['status'],
    joinName = 'daily',
  ): StatusResource => ({
    kind: 'DailyJoinRun',
    namespace: 'ns',
    name: `${joinName}-${date.replaceAll('-', '')}`,
    spec: { joinRef: { name: joinName }, date, trigger: 'Schedule' },
    status,
  });
  const done = (outcome: 'Succeeded' | 'Partial' | 'NoInput' | 'Failed', level: 'ok' | 'partial' = 'ok') => ({
    state: outcome === 'Failed' ? ('Failed' as const) : ('Succeeded' as const),
    outcome,
    quality: { powerCoverage: 0.99, weatherCoverage: 0.875, level },
    rows: { powerIn: 288, weatherIn: 24, duplicatesRemoved: 0, rejected: 0, hourlyOut: 48, dailyOut: 3 },
    ...(outcome === 'Failed' ? { message: 'lake unreachable' } : {}),
  });

  it.each([
    {
      name: 'the last date is the newest finished run, with its outcome, coverage and rows',
      runs: [
        run('2026-11-21', done('Succeeded')),
        run('2026-11-22', done('Partial', 'partial')),
        run('2026-11-23', { state: 'Running' as const }),
      ],
      want: {
        health: 'warning',
        last: {
          date: '2026-11-22',
          outcome: 'Partial',
          powerCoverage: 0.99,
          weatherCoverage: 0.875,
          qualityLevel: 'partial',
          dailyRows: 3,
        },
      },
    },
    {
      name: 'a failed last run is an error, its message the sentence',
      runs: [run('2026-11-22', done('Failed'))],
      want: { health: 'error', last: { outcome: 'Failed' }, message: 'lake unreachable' },
    },
    {
      name: 'a succeeded last run is ok',
      runs: [run('2026-11-22', done('Succeeded'))],
      want: { health: 'ok', message: '' },
    },
    {
      name: "another join's runs are not this join's",
      runs: [run('2026-11-22', done('Failed'), 'other')],
      want: { health: 'unknown', runs: [] },
    },
  ])('$name', ({ runs, want }) => {
    expect(summarizeStatus(view(join({}), ...runs), NOW).joins[0]).toMatchObject(want);
  });

  it('a join with dates without input is a warning naming them, with its next firing', () => {
    const row = summarizeStatus(
      view(
        join({
          conditions: [c('NoInput', 'True', '2 dates had no power readings')],
          nextScheduleTime: '2026-11-23T16:30:00Z',
          nextDate: '2026-11-23',
          noInputDates: [
            { date: '2026-11-01', emptyInputs: ['power'] },
            { date: '2026-11-02', emptyInputs: ['power'] },
          ],
        }),
      ),
      NOW,
    ).joins[0];
    expect(row).toMatchObject({
      health: 'warning',
      noInputDates: ['2026-11-01', '2026-11-02'],
      nextDate: '2026-11-23',
      message: '2 dates had no power readings',
    });
  });

  it('a site is connected when AgentConnected is True, with the age of its heartbeat', () => {
    const sites = summarizeStatus(
      view(
        {
          kind: 'RemoteSite',
          namespace: '',
          name: 'plant',
          spec: { leaseDurationSeconds: 40 },
          status: {
            conditions: [c('Ready', 'True'), c('AgentConnected', 'True')],
            agent: { lastHeartbeatTime: ago(30), version: '0.1.0', spoolRecords: 7 },
          },
        },
        {
          kind: 'RemoteSite',
          namespace: '',
          name: 'lost',
          spec: { leaseDurationSeconds: 40 },
          status: { conditions: [c('Ready', 'False'), c('AgentConnected', 'False', 'the lease expired')] },
        },
      ),
      NOW,
    ).sites;
    expect(sites).toMatchObject([
      { name: 'plant', connected: true, health: 'ok', heartbeatAgeSeconds: 30, spoolRecords: 7 },
      { name: 'lost', connected: false, health: 'warning', message: 'Ready False' },
    ]);
  });
});

describe('formatAge', () => {
  it.each([
    [undefined, '-'],
    [0, '0s ago'],
    [59, '59s ago'],
    [180, '3m ago'],
    [3599, '59m ago'],
    [3600, '1h ago'],
    [47 * 3600, '47h ago'],
    [49 * 3600, '2d ago'],
  ])('%s seconds read as %s', (s, want) => {
    expect(formatAge(s)).toBe(want);
  });
});
