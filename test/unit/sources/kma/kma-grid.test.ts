import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gridToLatLon, latLonToGrid, resolveLocation } from '../../../../src/sources/kma/kma-grid.js';

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
});
