import { describe, expect, it } from 'vitest';
import { createObserveServer } from '../../../src/observe/http-server.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import type { StatusPageOptions } from '../../../src/observe/status-page.js';
import { memoryLogger } from '../../fixtures/memory-logger.js';

// The page, uPlot's files and the page's JSON, as the observe server serves them.

const server = (statusPage?: StatusPageOptions) =>
  createObserveServer({ registry: createRegistry(), logger: memoryLogger().logger, statusPage });

describe('status page routes', () => {
  it('serves the page with the four chart containers, the tables and its config', async () => {
    const app = server({ refreshSeconds: 7, days: 5 });
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const id of [
      'chart-demand',
      'chart-reserve',
      'chart-temperature',
      'chart-scatter',
      'sources',
      'sinks',
      'joins',
    ])
      expect(res.body).toContain(`id="${id}"`);
    expect(res.body).toContain('<script src="/assets/uplot.min.js"></script>');
    expect(res.body).toContain('href="/assets/uplot.min.css"');
    const config = /<script id="gridlake-config" type="application\/json">(.*?)<\/script>/.exec(res.body)?.[1];
    expect(JSON.parse(config!)).toMatchObject({ refreshSeconds: 7, days: 5 });
    // no CDN: every script and stylesheet comes from this server
    expect(res.body).not.toMatch(/(src|href)="https?:/);
    await app.close();
  });

  it('serves uPlot from its package with the right content types', async () => {
    const app = server({});
    const js = await app.inject({ url: '/assets/uplot.min.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toContain('uPlot');
    expect(js.body.length).toBeGreaterThan(20_000);
    const css = await app.inject({ url: '/assets/uplot.min.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toContain('.uplot');
    await app.close();
  });

  it('answers the warehouse series for the days asked, and refuses a bad number', async () => {
    const asked: number[] = [];
    const app = server({
      days: 3,
      warehouseSeries: async (days) => {
        asked.push(days);
        return { dates: ['2026-11-01'] };
      },
    });
    const res = await app.inject({ url: '/api/warehouse/hourly?days=9' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ dates: ['2026-11-01'] });
    expect((await app.inject({ url: '/api/warehouse/hourly' })).statusCode).toBe(200);
    expect(asked).toEqual([9, 3]);
    for (const bad of ['abc', '0', '1.5']) {
      const r = await app.inject({ url: `/api/warehouse/hourly?days=${bad}` });
      expect(r.statusCode).toBe(400);
      expect(r.json<{ error: string }>().error).toContain('days');
    }
    await app.close();
  });

  it('says so when the process has no warehouse or no status, and serves no page without one', async () => {
    const app = server({});
    expect((await app.inject({ url: '/api/warehouse/hourly' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/status/summary' })).statusCode).toBe(404);
    await app.close();
    const summary = server({ statusSummary: async () => ({ sources: [], sinks: [], joins: [] }) });
    expect((await summary.inject({ url: '/api/status/summary' })).json()).toEqual({
      sources: [],
      sinks: [],
      joins: [],
    });
    await summary.close();
    const bare = server();
    expect((await bare.inject({ url: '/' })).statusCode).toBe(404);
    expect((await bare.inject({ url: '/metrics' })).statusCode).toBe(200);
    await bare.close();
  });
});
