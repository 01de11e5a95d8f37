import test from 'ava';
import fc from 'fast-check';
import { parseInstant } from '../../domain/keys/instant';
import { rfc3339Ms } from '../../domain/shared/rfc3339';

test('a date that does not exist is refused, never recorded as another day', (t) => {
  for (const impossible of ['2025-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2025-04-31T00:00:00Z', '2025-13-01T00:00:00Z', '2025-00-10T00:00:00Z', '2025-01-00T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T23:60:00Z', '2025-01-01T23:59:60Z', '2025-01-01T00:00:00+24:00']) {
    t.true(Number.isNaN(rfc3339Ms(impossible)), impossible);
    t.throws(() => parseInstant(impossible, 'effectiveAt'), { message: /effectiveAt must be an RFC 3339 timestamp/ });
  }
  t.is(parseInstant('2024-02-29T23:59:59.5+01:00', 'effectiveAt'), '2024-02-29T22:59:59.500Z', 'a leap day exists');
  t.is(parseInstant('2000-02-29t00:00:00z', 'effectiveAt'), '2000-02-29T00:00:00.000Z');
});

test('every real date-time reads as the instant it names', (t) => {
  fc.assert(
    fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
      t.is(rfc3339Ms(d.toISOString()), d.getTime());
    }),
  );
});
