import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redactServiceKey, ServiceKey } from '../../../../src/sources/common/service-key.js';

const DECODED = 'Ab1+Cd2/Ef3==';
const ENCODED = encodeURIComponent(DECODED);

describe('ServiceKey', () => {
  it('accepts the Encoding and the Decoding form and encodes exactly once', () => {
    const a = new ServiceKey(DECODED);
    const b = new ServiceKey(ENCODED);
    expect(a.queryValue()).toBe('Ab1%2BCd2%2FEf3%3D%3D');
    expect(b.queryValue()).toBe(a.queryValue());
    expect(b.id).toBe(a.id);
  });

  it('never prints its value', () => {
    const k = new ServiceKey(DECODED);
    expect(String(k)).toBe('[redacted]');
    expect(JSON.stringify({ k })).toBe('{"k":"[redacted]"}');
    expect(inspect(k)).not.toContain('Ab1');
    expect(`${k}`).not.toContain('Ab1');
  });

  it('redacts serviceKey from URLs and messages', () => {
    expect(redactServiceKey(`https://x/y?serviceKey=${ENCODED}&pageNo=1`)).toBe(
      'https://x/y?serviceKey=[redacted]&pageNo=1',
    );
  });
});
