/**
 * KMA's Lambert conformal conic 5 km grid (docs/upstream-apis.md): RE 6371.00877 km,
 * grid 5 km, standard parallels 30°/60°, origin 126°E 38°N at cell (43, 136),
 * round half up. This is the projection from KMA's own guide.
 */
const RE = 6371.00877;
const GRID = 5.0;
const SLAT1 = 30.0;
const SLAT2 = 60.0;
const OLON = 126.0;
const OLAT = 38.0;
const XO = 43;
const YO = 136;
const DEG = Math.PI / 180;

const re = RE / GRID;
const slat1 = SLAT1 * DEG;
const slat2 = SLAT2 * DEG;
const olon = OLON * DEG;
const olat = OLAT * DEG;
const sn =
  Math.log(Math.cos(slat1) / Math.cos(slat2)) /
  Math.log(Math.tan(Math.PI * 0.25 + slat2 * 0.5) / Math.tan(Math.PI * 0.25 + slat1 * 0.5));
const sf = (Math.pow(Math.tan(Math.PI * 0.25 + slat1 * 0.5), sn) * Math.cos(slat1)) / sn;
const ro = (re * sf) / Math.pow(Math.tan(Math.PI * 0.25 + olat * 0.5), sn);

/** A KMA grid cell. */
export interface GridCell {
  readonly nx: number;
  readonly ny: number;
}

/** lat/lon (degrees, WGS84) → KMA grid cell. */
export function latLonToGrid(lat: number, lon: number): GridCell {
  const ra = (re * sf) / Math.pow(Math.tan(Math.PI * 0.25 + lat * DEG * 0.5), sn);
  let theta = lon * DEG - olon;
  if (theta > Math.PI) theta -= 2 * Math.PI;
  if (theta < -Math.PI) theta += 2 * Math.PI;
  theta *= sn;
  return {
    nx: Math.floor(ra * Math.sin(theta) + XO + 0.5),
    ny: Math.floor(ro - ra * Math.cos(theta) + YO + 0.5),
  };
}

/** KMA grid cell → lat/lon of its centre (degrees). */
export function gridToLatLon(cell: GridCell): { lat: number; lon: number } {
  const xn = cell.nx - XO;
  const yn = ro - cell.ny + YO;
  let ra = Math.sqrt(xn * xn + yn * yn);
  if (sn < 0) ra = -ra;
  const alat = 2 * Math.atan(Math.pow((re * sf) / ra, 1 / sn)) - Math.PI * 0.5;
  let theta: number;
  if (Math.abs(xn) <= 0) theta = 0;
  else if (Math.abs(yn) <= 0) theta = xn < 0 ? -Math.PI * 0.5 : Math.PI * 0.5;
  else theta = Math.atan2(xn, yn);
  const alon = theta / sn + olon;
  return { lat: alat / DEG, lon: alon / DEG };
}

/** Grid bounds served by the nowcast (KMA's published list spans these). */
export const GRID_BOUNDS = { nxMin: 1, nxMax: 149, nyMin: 1, nyMax: 253 } as const;

/**
 * The smallest box of 0.01° (rounded outward) that holds every point whose
 * cell is on the grid, cell edges included. The CRD checks lat/lon against it
 * because CEL cannot run the projection; its corners lie off the grid (the
 * grid is not a lat/lon rectangle), so `isOnGrid` stays the exact test.
 */
export const GRID_LAT_LON_BOX = { latMin: 31.62, latMax: 43.45, lonMin: 123.27, lonMax: 132.81 } as const;

/** Whether KMA's grid has this cell (the nowcast answers result code 10 for any other). */
export function isOnGrid(cell: GridCell): boolean {
  const b = GRID_BOUNDS;
  return cell.nx >= b.nxMin && cell.nx <= b.nxMax && cell.ny >= b.nyMin && cell.ny <= b.nyMax;
}

/** Why a point or cell is refused: the cell it falls in and the grid's bounds, for a person to act on. */
export function offGridMessage(spec: LocationSpec, cell: GridCell): string {
  const b = GRID_BOUNDS;
  const box = GRID_LAT_LON_BOX;
  const where = 'lat' in spec ? `lat ${spec.lat}, lon ${spec.lon} is grid cell` : 'grid cell';
  return (
    `location ${spec.name}: ${where} nx ${cell.nx}, ny ${cell.ny}, outside KMA's 5 km grid ` +
    `(nx ${b.nxMin}..${b.nxMax}, ny ${b.nyMin}..${b.nyMax}; latitude ${box.latMin}..${box.latMax}, ` +
    `longitude ${box.lonMin}..${box.lonMax}, not all of it on the grid): KMA has no observations there; ` +
    'give a point in South Korea or a cell on the grid'
  );
}

/** A location as declared: by cell, or by coordinates converted here. */
export type LocationSpec =
  | { readonly name: string; readonly nx: number; readonly ny: number }
  | { readonly name: string; readonly lat: number; readonly lon: number };

/** A location resolved to its cell, saying which rule produced the cell. */
export interface ResolvedLocation extends GridCell {
  readonly name: string;
  readonly rule: 'given' | 'lcc-from-lat-lon';
}

/** Resolves a location; lat/lon go through the LCC conversion. */
export function resolveLocation(spec: LocationSpec): ResolvedLocation {
  if ('nx' in spec) return { name: spec.name, nx: spec.nx, ny: spec.ny, rule: 'given' };
  const cell = latLonToGrid(spec.lat, spec.lon);
  return { name: spec.name, ...cell, rule: 'lcc-from-lat-lon' };
}
