import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GRID_BOUNDS,
  GRID_LAT_LON_BOX,
  gridToLatLon,
  isOnGrid,
  latLonToGrid,
  resolveLocation,
} from '../../../../src/sources/kma/kma-grid.js';

describe('KMA Lambert conformal conic grid', () => {
  it.each([
    ['the check point of the KMA guide', 37.488201, 126.92981, 59, 125],
    ['Seoul City Hall', 37.5665, 126.978, 60, 127],
    ['Busan City Hall', 35.1798, 129.075, 98, 76],
    ['Incheon City Hall', 37.4563, 126.7052, 55, 124],
    ['Gwangju City Hall', 35.1595, 126.8526, 58, 74],
    ['Daejeon City Hall', 36.3504, 127.3845, 67, 100],
    ['Ulsan City Hall', 35.5384, 129.3114, 102, 84],
    ['the grid origin 38N 126E', 38, 126, 43, 136],
  ])('puts %s at its cell', (_name, lat, lon, nx, ny) => {
    expect(latLonToGrid(lat, lon)).toEqual({ nx, ny });
  });

  it('maps a cell centre back into the same cell', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 149 }), fc.integer({ min: 1, max: 253 }), (nx, ny) => {
        const { lat, lon } = gridToLatLon({ nx, ny });
        expect(latLonToGrid(lat, lon)).toEqual({ nx, ny });
      }),
    );
  });

  it('says which rule produced a cell', () => {
    expect(resolveLocation({ name: 'seoul', lat: 37.5665, lon: 126.978 })).toEqual({
      name: 'seoul',
      nx: 60,
      ny: 127,
      rule: 'lcc-from-lat-lon',
    });
    expect(resolveLocation({ name: 'daegu', nx: 89, ny: 90 })).toEqual({
      name: 'daegu',
      nx: 89,
      ny: 90,
      rule: 'given',
    });
  });

  it('knows which cells are on the grid', () => {
    expect(isOnGrid({ nx: 1, ny: 1 })).toBe(true);
    expect(isOnGrid({ nx: 149, ny: 253 })).toBe(true);
    expect(isOnGrid({ nx: 0, ny: 100 })).toBe(false);
    expect(isOnGrid({ nx: 100, ny: 254 })).toBe(false);
    // Shanghai: inside the CRD's old lat/lon bounds, far off KMA's grid.
    expect(isOnGrid(latLonToGrid(31.23, 121.47))).toBe(false);
  });

  it('the lat/lon box holds the whole grid, cell edges included, and is tight to 0.01°', () => {
    const b = GRID_BOUNDS;
    const edge: { nx: number; ny: number }[] = [];
    // Cell edges: round half up puts x in cell n for n - 0.5 <= x < n + 0.5.
    const lo = { nx: b.nxMin - 0.5, ny: b.nyMin - 0.5 };
    const hi = { nx: b.nxMax + 0.5 - 1e-9, ny: b.nyMax + 0.5 - 1e-9 };
    for (let x = lo.nx; x <= hi.nx; x += 0.05) edge.push({ nx: x, ny: lo.ny }, { nx: x, ny: hi.ny });
    for (let y = lo.ny; y <= hi.ny; y += 0.05) edge.push({ nx: lo.nx, ny: y }, { nx: hi.nx, ny: y });
    const pts = edge.map(gridToLatLon);
    const lats = pts.map((p) => p.lat);
    const lons = pts.map((p) => p.lon);
    const box = GRID_LAT_LON_BOX;
    expect(Math.min(...lats)).toBeGreaterThanOrEqual(box.latMin);
    expect(Math.max(...lats)).toBeLessThanOrEqual(box.latMax);
    expect(Math.min(...lons)).toBeGreaterThanOrEqual(box.lonMin);
    expect(Math.max(...lons)).toBeLessThanOrEqual(box.lonMax);
    expect(Math.min(...lats) - box.latMin).toBeLessThan(0.01);
    expect(box.latMax - Math.max(...lats)).toBeLessThan(0.01);
    expect(Math.min(...lons) - box.lonMin).toBeLessThan(0.01);
    expect(box.lonMax - Math.max(...lons)).toBeLessThan(0.01);
  });

  it('every point off the box is off the grid', () => {
    const box = GRID_LAT_LON_BOX;
    fc.assert(
      fc.property(
        fc.double({ min: 30, max: 45, noNaN: true }),
        fc.double({ min: 120, max: 135, noNaN: true }),
        (lat, lon) => {
          const inBox = lat >= box.latMin && lat <= box.latMax && lon >= box.lonMin && lon <= box.lonMax;
          if (!inBox) expect(isOnGrid(latLonToGrid(lat, lon))).toBe(false);
        },
      ),
    );
  });
});
