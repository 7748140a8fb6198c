/** `npm run dashboard` (from the repository root): regenerates the chart's dashboard JSON; never edit it by hand. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DASHBOARD_FILE, renderDashboard } from './render-dashboard.js';

const file = path.resolve(DASHBOARD_FILE);
await writeFile(file, await renderDashboard(file));
console.log(`wrote ${DASHBOARD_FILE}`);
