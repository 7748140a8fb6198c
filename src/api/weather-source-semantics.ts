import { isOnGrid, latLonToGrid, offGridMessage } from '../sources/kma/kma-grid.js';
import type { FieldProblem } from './daily-join-semantics.js';
import type { WeatherSourceSpec } from './weather-source.js';

/**
 * Checks a schema-valid WeatherSource spec for what CEL cannot express: that
 * each lat/lon falls in a cell of KMA's grid (the CRD checks only the box
 * around the grid; the projection needs trigonometry). The embedded default
 * refuses such a spec; on a cluster the controller reports it as InvalidSpec.
 */
export function checkWeatherSourceSemantics(spec: WeatherSourceSpec): FieldProblem[] {
  const problems: FieldProblem[] = [];
  spec.locations.forEach((l, i) => {
    if (l.lat === undefined || l.lon === undefined || l.nx !== undefined || l.ny !== undefined) return;
    const cell = latLonToGrid(l.lat, l.lon);
    if (!isOnGrid(cell))
      problems.push({
        path: `spec.locations[${i}]`,
        message: offGridMessage({ name: l.name, lat: l.lat, lon: l.lon }, cell),
      });
  });
  return problems;
}
