import { bindNamed, SqlIdentifier } from './named-sql';

describe('bindNamed', () => {
  it('numbers the names a statement uses, reuses a repeated one and leaves casts alone', () => {
    expect(bindNamed('SELECT :b::date, :a, :b', { a: 1, b: '2024-01-01', unused: true })).toEqual({
      text: 'SELECT $1::date, $2, $1',
      values: ['2024-01-01', 1],
    });
  });

  it('writes identifiers in quoted, and refuses anything but a plain lower-case name', () => {
    expect(bindNamed('SELECT * FROM :t WHERE x = :x', { t: new SqlIdentifier('visits_ab12'), x: 1 })).toEqual({ text: 'SELECT * FROM "visits_ab12" WHERE x = $1', values: [1] });
    expect(() => new SqlIdentifier('visits"; DROP TABLE x; --')).toThrow('not a plain SQL identifier');
  });

  it('refuses a name without a value', () => {
    expect(() => bindNamed('SELECT :missing', {})).toThrow(':missing has no value');
  });
});
