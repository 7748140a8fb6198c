import { glError } from '../errors.js';
import type { LocationSpec } from './kma/kma-grid.js';

/** Parses `name=nx,ny` (integers: a grid cell) or `name=lat,lon` (decimals: converted with KMA's LCC grid). */
export function parseLocationArg(text: string): LocationSpec {
  const m = /^([A-Za-z0-9_.-]+)=(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(text.trim());
  if (m === null) {
    throw glError(
      'GL_SOURCES_CONFIG_INVALID',
      `location ${JSON.stringify(text)} is not name=nx,ny or name=lat,lon (e.g. seoul=60,127 or seoul=37.5665,126.978)`,
    );
  }
  const [, name = '', a = '', b = ''] = m;
  if (!a.includes('.') && !b.includes('.')) return { name, nx: Number(a), ny: Number(b) };
  return { name, lat: Number(a), lon: Number(b) };
}
