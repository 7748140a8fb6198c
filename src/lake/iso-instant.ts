/**
 * Epoch ms of an ISO-8601 instant read straight from bytes, for the forms the
 * collectors write: `YYYY-MM-DDTHH:MM:SS`, optionally `.sss` (exactly three
 * digits), then `Z` or `±HH:MM`. Every component must be in the range where
 * Date.parse and Date.UTC agree (year ≥ 1000, day ≤ 31, no hour 24, no leap
 * second; V8's Date.parse rolls a 30 February over into March exactly as
 * Date.UTC does); anything else returns NaN and the caller uses the regex and
 * Date.parse, so a finite result always equals Date.parse of the same text.
 * A regex plus Date.parse costs about a microsecond; at a new `ingestedAt` per
 * record that was a visible share of the sink's time.
 */
const ZERO = 0x30;

function digit(buf: Uint8Array, i: number): number {
  const d = buf[i]! - ZERO;
  return d >= 0 && d <= 9 ? d : NaN;
}

function two(buf: Uint8Array, i: number): number {
  return digit(buf, i) * 10 + digit(buf, i + 1);
}

export function isoMillis(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len !== 20 && len !== 24 && len !== 25 && len !== 29) return NaN;
  const s = start;
  if (buf[s + 4] !== 0x2d || buf[s + 7] !== 0x2d || buf[s + 10] !== 0x54) return NaN; // - - T
  if (buf[s + 13] !== 0x3a || buf[s + 16] !== 0x3a) return NaN; // : :
  const year = two(buf, s) * 100 + two(buf, s + 2);
  const month = two(buf, s + 5);
  const day = two(buf, s + 8);
  const hour = two(buf, s + 11);
  const minute = two(buf, s + 14);
  const second = two(buf, s + 17);
  let i = s + 19;
  let ms = 0;
  if (buf[i] === 0x2e) {
    ms = digit(buf, i + 1) * 100 + two(buf, i + 2);
    i += 4;
  }
  let offsetMinutes = 0;
  const zone = buf[i];
  if (zone === 0x5a)
    i += 1; // Z
  else if (zone === 0x2b || zone === 0x2d) {
    if (buf[i + 3] !== 0x3a) return NaN;
    const oh = two(buf, i + 1);
    const om = two(buf, i + 4);
    if (!(oh <= 23 && om <= 59)) return NaN;
    offsetMinutes = (zone === 0x2b ? 1 : -1) * (oh * 60 + om);
    i += 6;
  } else return NaN;
  if (i !== end) return NaN;
  // NaN components fail every comparison below.
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= 31)) return NaN;
  if (!(hour <= 23 && minute <= 59 && second <= 59 && ms >= 0)) return NaN;
  return (
    daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + ms
  );
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): the day count Date.UTC uses, in plain arithmetic, a few
 * times cheaper than the call. Linear in `day`, so a 30 February rolls over into
 * March exactly as Date.UTC rolls it.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
