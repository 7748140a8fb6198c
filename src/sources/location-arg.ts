import { glError } from '../errors.js';
import { isOnGrid, offGridMessage, resolveLocation } from './kma/kma-grid.js';
import type { LocationSpec } from './kma/kma-grid.js';

/**
 * Parses `name=nx,ny` (integers: a grid cell) or `name=lat,lon` (decimals: converted with KMA's LCC grid).
 * A cell off KMA's grid is refused here: KMA would answer result code 10 for it on every call.
 */
export function parseLocationArg(text: string): LocationSpec {
  const m = /^([A-Za-z0-9_.-]+)=(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(text.trim());
  if (m === null) {
    throw glError(
      'GL_SOURCES_CONFIG_INVALID',
      `location ${JSON.stringify(text)} is not name=nx,ny or name=lat,lon (e.g. seoul=60,127 or seoul=37.5665,126.978)`,
    );
  }
  const [, name = '', a = '', b = ''] = m;
  const spec: LocationSpec =
    !a.includes('.') && !b.includes('.')
      ? { name, nx: Number(a), ny: Number(b) }
      : { name, lat: Number(a), lon: Number(b) };
  const cell = resolveLocation(spec);
  if (!isOnGrid(cell))
    throw glError('GL_SOURCES_CONFIG_INVALID', `--location ${text.trim()}: ${offGridMessage(spec, cell)}`, {
      context: { location: name, nx: cell.nx, ny: cell.ny },
    });
  return spec;
}

/**
 * The `--location` text `parseLocationArg` reads back as `spec`: a grid cell as
 * integers, coordinates always with a decimal point (`35` → `35.0`), since a
 * pair of integers reads as a cell.
 */
export function formatLocationArg(spec: LocationSpec): string {
  if ('nx' in spec) return `${spec.name}=${spec.nx},${spec.ny}`;
  const degrees = (v: number): string => (Number.isInteger(v) ? v.toFixed(1) : String(v));
  return `${spec.name}=${degrees(spec.lat)},${degrees(spec.lon)}`;
}
