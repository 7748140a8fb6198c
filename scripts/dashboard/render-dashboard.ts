import { format, resolveConfig } from 'prettier';
import { gridlakeDashboard } from './gridlake-dashboard.js';

/** Where the chart picks the dashboard up, from the repository root (every JSON there becomes a ConfigMap). */
export const DASHBOARD_FILE = 'charts/gridlake/files/dashboards/gridlake.json';

/** The dashboard's JSON exactly as committed at `file`: formatted as `prettier --check .` wants it. */
export async function renderDashboard(file: string): Promise<string> {
  const options = (await resolveConfig(file)) ?? {};
  return format(JSON.stringify(gridlakeDashboard(), null, 2), { ...options, filepath: file });
}
