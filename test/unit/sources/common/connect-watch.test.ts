import { channel } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { connectPendingSince, urlOrigin, watchConnects } from '../../../../src/sources/common/connect-watch.js';

const params = (hostname: string, port: string) => ({ connectParams: { protocol: 'http:', hostname, port } });

describe('connect watch (undici diagnostics channels)', () => {
  it('knows a connect in flight per origin until it connects or fails, oldest first', () => {
    watchConnects();
    const origin = urlOrigin('http://198.18.0.2:8089/B552115/x?serviceKey=k');
    expect(origin).toBe('http://198.18.0.2:8089');
    expect(connectPendingSince(origin)).toBeNull();
    // Each event carries a fresh object, as undici publishes them.
    channel('undici:client:beforeConnect').publish(params('198.18.0.2', '8089'));
    const first = connectPendingSince(origin);
    expect(first).not.toBeNull();
    channel('undici:client:beforeConnect').publish(params('198.18.0.2', '8089'));
    expect(connectPendingSince(urlOrigin('http://198.18.0.2:8090/'))).toBeNull(); // another origin
    channel('undici:client:connected').publish(params('198.18.0.2', '8089'));
    expect(connectPendingSince(origin)).toBeGreaterThanOrEqual(first!);
    channel('undici:client:connectError').publish(params('198.18.0.2', '8089'));
    expect(connectPendingSince(origin)).toBeNull();
  });

  it('names a default port as the events do', () => {
    expect(urlOrigin('https://apis.data.go.kr/B552115')).toBe('https://apis.data.go.kr:443');
    expect(urlOrigin('http://openapi.kpx.or.kr/x')).toBe('http://openapi.kpx.or.kr:80');
  });
});
