import { smsInfo } from './sms-segments';

const a = (n: number) => 'a'.repeat(n);

describe('smsInfo', () => {
  describe('GSM-7', () => {
    it('counts nothing for empty text', () => {
      expect(smsInfo('')).toEqual({
        encoding: 'GSM-7',
        characters: 0,
        units: 0,
        segments: 0,
        perSegment: 160,
        remainingInSegment: 160,
        nonGsmCharacters: [],
      });
    });

    it('fits 160 septets in one segment and needs two at 161', () => {
      expect(smsInfo(a(160))).toMatchObject({ encoding: 'GSM-7', characters: 160, units: 160, segments: 1, perSegment: 160, remainingInSegment: 0 });
      // 161 = 153 + 8: the first segment loses 7 septets to the concatenation header.
      expect(smsInfo(a(161))).toMatchObject({ units: 161, segments: 2, perSegment: 153, remainingInSegment: 145 });
    });

    it('fits 153 × 2 = 306 septets in two segments and needs three at 307', () => {
      expect(smsInfo(a(306))).toMatchObject({ segments: 2, perSegment: 153, remainingInSegment: 0 });
      expect(smsInfo(a(307))).toMatchObject({ segments: 3, perSegment: 153, remainingInSegment: 152 });
    });

    it('counts every character of the basic table as one septet', () => {
      const basic =
        '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
      expect(smsInfo(basic)).toMatchObject({ encoding: 'GSM-7', characters: 127, units: 127, segments: 1, nonGsmCharacters: [] });
    });

    it('counts extension-table characters (€ { [ …) as two septets', () => {
      expect(smsInfo('\f^{}\\[~]|€')).toMatchObject({ encoding: 'GSM-7', characters: 10, units: 20 });
      expect(smsInfo('Price: 5€')).toMatchObject({ characters: 9, units: 10, remainingInSegment: 150 });
      expect(smsInfo('{[x]}')).toMatchObject({ characters: 5, units: 9 });
      // 158 + 2 = 160 still fits one segment; 159 + 2 = 161 does not.
      expect(smsInfo(a(158) + '€')).toMatchObject({ units: 160, segments: 1, remainingInSegment: 0 });
      expect(smsInfo(a(159) + '€')).toMatchObject({ units: 161, segments: 2, remainingInSegment: 145 });
    });

    it('never splits an escape pair across segments', () => {
      // 306 septets would be two full segments, but the € cannot start in the last septet of the
      // first: segment 1 is 152 'a', segment 2 is € + 151 'a' (153), segment 3 the last 'a'.
      expect(smsInfo(a(152) + '€' + a(152))).toMatchObject({ units: 306, segments: 3, remainingInSegment: 152 });
      expect(smsInfo(a(152) + '€' + a(151))).toMatchObject({ units: 305, segments: 2, remainingInSegment: 0 });
      // With the € one septet earlier the pair fits, and 306 septets are two full segments.
      expect(smsInfo(a(151) + '€' + a(153))).toMatchObject({ units: 306, segments: 2, remainingInSegment: 0 });
      // 81 € = 162 septets: a segment holds 76 pairs (152 septets, one left over), so 76 + 5.
      expect(smsInfo('€'.repeat(81))).toMatchObject({ segments: 2, remainingInSegment: 153 - 10 });
    });
  });

  describe('UCS-2', () => {
    it('counts Georgian in UTF-16 units at the 70/71 and 134/135 boundaries', () => {
      const word = 'გამარჯობა '; // 9 Georgian letters and a space: 10 units
      expect(smsInfo('გამარჯობა')).toMatchObject({
        encoding: 'UCS-2',
        characters: 9,
        units: 9,
        segments: 1,
        perSegment: 70,
        remainingInSegment: 61,
        nonGsmCharacters: ['გ', 'ა', 'მ', 'რ', 'ჯ', 'ო', 'ბ'],
      });
      expect(smsInfo(word.repeat(7))).toMatchObject({ units: 70, segments: 1, remainingInSegment: 0 });
      expect(smsInfo(word.repeat(7) + 'ა')).toMatchObject({ units: 71, segments: 2, perSegment: 67, remainingInSegment: 63 });
      expect(smsInfo(word.repeat(13) + 'გამა')).toMatchObject({ units: 134, segments: 2, remainingInSegment: 0 });
      expect(smsInfo(word.repeat(13) + 'გამარ')).toMatchObject({ units: 135, segments: 3, remainingInSegment: 66 });
    });

    it('counts Gujarati (with its virama and vowel signs) at the 70/71 and 134/135 boundaries', () => {
      const word = 'નમસ્તે '; // ન મ સ ્ ત ે and a space: 7 code points, 7 units
      expect(smsInfo('નમસ્તે')).toMatchObject({
        encoding: 'UCS-2',
        characters: 6,
        units: 6,
        nonGsmCharacters: ['ન', 'મ', 'સ', '\u0acd', 'ત', '\u0ac7'],
      });
      expect(smsInfo(word.repeat(10))).toMatchObject({ units: 70, segments: 1, remainingInSegment: 0 });
      expect(smsInfo(word.repeat(10) + 'ન')).toMatchObject({ units: 71, segments: 2, remainingInSegment: 63 });
      expect(smsInfo(word.repeat(19) + 'ન')).toMatchObject({ units: 134, segments: 2, remainingInSegment: 0 });
      expect(smsInfo(word.repeat(19) + 'નમ')).toMatchObject({ units: 135, segments: 3, remainingInSegment: 66 });
    });

    it('makes Cyrillic UCS-2, listing each letter once', () => {
      expect(smsInfo('Привет, мир!')).toEqual({
        encoding: 'UCS-2',
        characters: 12,
        units: 12,
        segments: 1,
        perSegment: 70,
        remainingInSegment: 58,
        nonGsmCharacters: ['П', 'р', 'и', 'в', 'е', 'т', 'м'],
      });
    });

    it('counts emoji as one character of two units', () => {
      expect(smsInfo('😀😀😀')).toMatchObject({ encoding: 'UCS-2', characters: 3, units: 6, nonGsmCharacters: ['😀'] });
      // A skin-tone emoji is two code points (emoji + modifier), each a surrogate pair.
      expect(smsInfo('👍🏽 ok')).toMatchObject({ characters: 5, units: 7, nonGsmCharacters: ['👍', '🏽'] });
    });

    it('never splits a surrogate pair across segments', () => {
      // 134 units would be two full segments, but the emoji cannot take the 67th unit of the
      // first: segment 1 is 66 'a', segment 2 is 😀 + 65 'a' (67), segment 3 the last 'a'.
      expect(smsInfo(a(66) + '😀' + a(66))).toMatchObject({ units: 134, segments: 3, perSegment: 67, remainingInSegment: 66 });
      // One unit earlier the pair ends exactly on the boundary.
      expect(smsInfo(a(65) + '😀' + a(67))).toMatchObject({ units: 134, segments: 2, remainingInSegment: 0 });
      // A single segment holds 70 units whatever falls where.
      expect(smsInfo(a(68) + '😀')).toMatchObject({ units: 70, segments: 1, remainingInSegment: 0 });
    });

    it('turns the whole message UCS-2 for one character outside GSM-7', () => {
      expect(smsInfo(a(100))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      // Only the capital Ç is in GSM-7; one ç makes 101 units of UCS-2, two segments.
      expect(smsInfo(a(100) + 'ç')).toMatchObject({ encoding: 'UCS-2', units: 101, segments: 2, nonGsmCharacters: ['ç'] });
      expect(smsInfo('Ç')).toMatchObject({ encoding: 'GSM-7' });
      expect(smsInfo('See you “soon” – Anna')).toMatchObject({ encoding: 'UCS-2', nonGsmCharacters: ['“', '”', '–'] });
    });

    it('treats look-alikes, tab, backtick and a raw escape as outside GSM-7', () => {
      expect(smsInfo('\u2126').nonGsmCharacters).toEqual(['\u2126']); // OHM SIGN, not GREEK CAPITAL OMEGA
      expect(smsInfo('\u03a9').encoding).toBe('GSM-7');
      expect(smsInfo('a\tb`c\u001bd').nonGsmCharacters).toEqual(['\t', '`', '\u001b']);
    });

    it('does not normalise: a decomposed é is e + a combining accent, and only the accent is non-GSM', () => {
      expect(smsInfo('e\u0301')).toMatchObject({ encoding: 'UCS-2', characters: 2, units: 2, nonGsmCharacters: ['\u0301'] });
      expect(smsInfo('é')).toMatchObject({ encoding: 'GSM-7', characters: 1, units: 1 });
    });
  });
});
