import { nearDuplicates, normaliseReasonText, rankReasons, reasonSimilarity, sameReason, tidyReasonLabel } from './reason-text';

const reasons = [
  { id: '1', label: 'Too expensive' },
  { id: '2', label: 'Moved away' },
  { id: '3', label: 'ძალიან ძვირია' }, // Georgian: "very expensive"
  { id: '4', label: 'Слишком дорого' }, // Russian: "too expensive"
  { id: '5', label: 'ລາຄາແພງ' }, // Lao: "expensive price" (no spaces between words)
  { id: '6', label: 'ডাক্তার ভালো না' }, // Bengali: "the doctor is not good"
];

describe('reason text', () => {
  it('normalises width, case, punctuation and spacing in any script', () => {
    expect(normaliseReasonText('  ＴＯＯ   Expensive!!! ')).toBe('too expensive');
    expect(normaliseReasonText('Слишком   ДОРОГО.')).toBe('слишком дорого');
    expect(normaliseReasonText('ძალიან, ძვირია…')).toBe('ძალიან ძვირია');
    expect(tidyReasonLabel('  Too\u00a0 expensive ')).toBe('Too expensive');
  });

  it('finds the same reason written differently', () => {
    expect(sameReason('too expensive.', reasons)?.id).toBe('1');
    expect(sameReason('СЛИШКОМ ДОРОГО', reasons)?.id).toBe('4');
    expect(sameReason('expensive', reasons)).toBeUndefined();
  });

  it('scores near-duplicates high and unrelated labels low, whatever the script', () => {
    expect(reasonSimilarity('expensive', 'Too expensive')).toBeGreaterThanOrEqual(0.8);
    expect(reasonSimilarity('too expansive', 'Too expensive')).toBeGreaterThan(0.6);
    expect(reasonSimilarity('Moved away', 'Too expensive')).toBeLessThan(0.3);
    expect(reasonSimilarity('ძალიან ძვირი', 'ძალიან ძვირია')).toBeGreaterThan(0.6);
    expect(reasonSimilarity('ລາຄາແພງຫຼາຍ', 'ລາຄາແພງ')).toBeGreaterThan(0.6);
    expect(reasonSimilarity('ডাক্তার ভালো নয়', 'ডাক্তার ভালো না')).toBeGreaterThan(0.6);
    expect(reasonSimilarity('ডাক্তার ভালো না', 'Moved away')).toBe(0);
  });

  it('warns on near-duplicates, best first, but not on the identical reason', () => {
    expect(nearDuplicates('expensive', reasons).map((r) => r.id)).toEqual(['1']);
    expect(nearDuplicates('слишком дорогой', reasons).map((r) => r.id)).toEqual(['4']);
    expect(nearDuplicates('Too expensive', reasons)).toEqual([]);
    expect(nearDuplicates('parking', reasons)).toEqual([]);
  });

  it('suggests reasons while typing: prefixes first, then similar ones', () => {
    expect(rankReasons('mov', reasons).map((r) => r.id)).toEqual(['2']);
    expect(rankReasons('too exp', reasons)[0].id).toBe('1');
    expect(rankReasons('დაძვირდა', reasons).length).toBeLessThanOrEqual(8);
    expect(rankReasons('   ', reasons)).toEqual([]);
  });
});
