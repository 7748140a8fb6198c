import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { statusPageHtml } from './status-page-html.js';

/*
 * The status page a person opens at the observe server's root: server-rendered
 * HTML whose script fetches JSON every few seconds and draws with uPlot, served
 * from the installed package (no build step, no CDN). The data comes from
 * functions the process hands in, so this module knows no domain.
 */

export interface StatusPageOptions {
  /** the warehouse's hourly series (src/join/warehouse-series.ts) for the last `days` dates */
  readonly warehouseSeries?: (days: number) => Promise<unknown>;
  /** the status rows (sources, sinks, joins) as the page reads them; absent: the page says so */
  readonly statusSummary?: () => Promise<unknown>;
  /** seconds between the page's refreshes (default 10) */
  readonly refreshSeconds?: number;
  /** dates the charts show (default 7) */
  readonly days?: number;
}

/** Routes the page serves, for the banner and the tests. */
export const STATUS_PAGE_ROUTES = {
  page: '/',
  uplotJs: '/assets/uplot.min.js',
  uplotCss: '/assets/uplot.min.css',
  warehouse: '/api/warehouse/hourly',
  summary: '/api/status/summary',
} as const;

const require = createRequire(import.meta.url);
/** uPlot's own files, from wherever npm put the package (dist/ or src/ alike). */
const UPLOT_FILES = {
  js: require.resolve('uplot/dist/uPlot.iife.min.js'),
  css: require.resolve('uplot/dist/uPlot.min.css'),
};

const DEFAULT_DAYS = 7;

/** Adds the page, uPlot's two files and the page's JSON routes to `app`. */
export function registerStatusPage(app: FastifyInstance, o: StatusPageOptions): void {
  const refreshSeconds = o.refreshSeconds ?? 10;
  const days = o.days ?? DEFAULT_DAYS;
  const html = statusPageHtml({ refreshSeconds, days, routes: STATUS_PAGE_ROUTES });
  // Read once, on first use: the files do not change while the process runs.
  const assets = new Map<string, Promise<Buffer>>();
  const asset = (path: string): Promise<Buffer> => {
    let p = assets.get(path);
    if (p === undefined) assets.set(path, (p = readFile(path)));
    return p;
  };

  app.get(STATUS_PAGE_ROUTES.page, async (_req, reply) => {
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    return html;
  });
  app.get(STATUS_PAGE_ROUTES.uplotJs, async (_req, reply) => {
    reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'max-age=3600');
    return asset(UPLOT_FILES.js);
  });
  app.get(STATUS_PAGE_ROUTES.uplotCss, async (_req, reply) => {
    reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'max-age=3600');
    return asset(UPLOT_FILES.css);
  });
  app.get<{ Querystring: { days?: string } }>(STATUS_PAGE_ROUTES.warehouse, async (req, reply) => {
    if (o.warehouseSeries === undefined) {
      reply.code(404);
      return { error: 'this process has no warehouse' };
    }
    const asked = req.query.days === undefined ? days : Number(req.query.days);
    if (!Number.isInteger(asked) || asked < 1) {
      reply.code(400);
      return { error: `days must be a whole number of at least 1, not ${JSON.stringify(req.query.days)}` };
    }
    reply.header('cache-control', 'no-store');
    return o.warehouseSeries(asked);
  });
  app.get(STATUS_PAGE_ROUTES.summary, async (_req, reply) => {
    if (o.statusSummary === undefined) {
      reply.code(404);
      return { error: 'this process reports no status' };
    }
    reply.header('cache-control', 'no-store');
    return o.statusSummary();
  });
}
