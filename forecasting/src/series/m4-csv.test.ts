import { ForecastError } from '../forecast-error';
import { parseM4Csv } from './m4-csv';

describe('parseM4Csv', () => {
  it('reads each row as a series: the quoted id, then its values, trailing padding dropped', () => {
    const text = '"V1","V2","V3","V4"\r\n"W1","1.5","2",""\n"W2","3","4","5"\n';
    expect(parseM4Csv(text, 'Weekly-train.csv')).toEqual([
      { id: 'W1', values: [1.5, 2] },
      { id: 'W2', values: [3, 4, 5] },
    ]);
  });

  it('refuses a gap, a value that is not a number and a row without values, naming the file and line', () => {
    expect(() => parseM4Csv('"V1","V2","V3"\n"W1","","3"\n', 'x.csv')).toThrow(
      /x\.csv line 2: field 2 "" of W1 is not a finite number/,
    );
    expect(() => parseM4Csv('"V1","V2"\n"W1","abc"\n', 'x.csv')).toThrow(ForecastError);
    expect(() => parseM4Csv('"V1","V2"\n"W1",""\n', 'x.csv')).toThrow(/x\.csv line 2: W1 has no values/);
  });
});
