import type { DemoLanguage } from './demo-languages';
import type { SeededRandom } from './seeded-random';

/**
 * Given and family names per language, in the language's own script, so imports, search and
 * messages get exercised with Georgian (Mkhedruli), Cyrillic, Turkish letters (ç ğ ı ö ş ü),
 * Gujarati, Bengali and Lao text rather than only ASCII.
 *
 * Every list is NFKC-normalised when loaded: a few letters typed naturally in Bengali (য়) and Lao
 * (ຳ) have canonical or compatibility decompositions, and the application stores names NFKC-normalised,
 * so the demo names are already in the form it would store.
 */
interface NameList {
  male: readonly string[];
  female: readonly string[];
  family: readonly string[];
  /** Family names with a feminine form (Russian -ов/-ова); identity elsewhere. */
  feminineFamily?: (family: string) => string;
}

const RAW_NAMES: Record<DemoLanguage, NameList> = {
  ka: {
    male: [
      'გიორგი', 'დავით', 'ნიკოლოზ', 'ლუკა', 'ალექსანდრე', 'ირაკლი', 'ლევან', 'ზურაბ', 'თამაზ', 'გელა',
      'ბექა', 'სანდრო', 'დათო', 'ვახტანგ', 'მიხეილ', 'გოჩა', 'შოთა', 'ნოდარ',
    ],
    female: [
      'ნინო', 'მარიამ', 'ანა', 'თამარ', 'ეკატერინე', 'სალომე', 'ელენე', 'ნათია', 'მაკა', 'ქეთევან',
      'ლიკა', 'ხატია', 'თეონა', 'სოფიო', 'ნანა', 'ია', 'მზია', 'ლალი',
    ],
    family: [
      'ბერიძე', 'მამალაძე', 'კაპანაძე', 'გელაშვილი', 'მაისურაძე', 'გიორგაძე', 'ლომიძე', 'წიკლაური',
      'ბოლქვაძე', 'ნოზაძე', 'ხუციშვილი', 'შენგელია', 'ჯაფარიძე', 'კვარაცხელია', 'აბაშიძე', 'ჭავჭავაძე',
      'ცხადაძე', 'მელაძე', 'ქავთარაძე', 'გოგიჩაიშვილი', 'ჩხეიძე', 'დოლიძე', 'ბაქრაძე', 'სულაბერიძე',
      'ფირცხალავა', 'ტაბატაძე', 'ხარაიშვილი', 'ჯანელიძე', 'ღლონტი', 'ყიფიანი',
    ],
  },
  en: {
    male: [
      'Oliver', 'George', 'Harry', 'Jack', 'Jacob', 'Noah', 'Charlie', 'Thomas', 'William', 'James',
      'Henry', 'Oscar', 'Leo', 'Arthur', 'Samuel', 'Edward', 'Daniel', 'Joseph',
    ],
    female: [
      'Olivia', 'Amelia', 'Isla', 'Ava', 'Emily', 'Sophie', 'Grace', 'Lily', 'Freya', 'Charlotte',
      'Ella', 'Evie', 'Poppy', 'Chloe', 'Ruby', 'Elizabeth', 'Margaret', 'Zoë',
    ],
    family: [
      'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Johnson',
      'Roberts', 'Robinson', 'Thompson', 'Wright', 'Walker', 'White', 'Edwards', 'Hughes', 'Green', 'Hall',
      'Lewis', 'Harris', 'Clarke', 'Patel', 'Jackson', 'Wood', 'Turner', "O'Brien", 'Fitzgerald', 'Ashworth-Hale',
    ],
  },
  ru: {
    male: [
      'Александр', 'Сергей', 'Дмитрий', 'Андрей', 'Алексей', 'Максим', 'Иван', 'Михаил', 'Николай',
      'Владимир', 'Артём', 'Павел', 'Евгений', 'Константин', 'Юрий', 'Фёдор', 'Григорий', 'Олег',
    ],
    female: [
      'Анна', 'Мария', 'Елена', 'Ольга', 'Наталья', 'Татьяна', 'Екатерина', 'Ирина', 'Светлана',
      'Юлия', 'Анастасия', 'Дарья', 'Ксения', 'Людмила', 'Вера', 'Алёна', 'Полина', 'Софья',
    ],
    family: [
      'Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев', 'Петров', 'Соколов', 'Михайлов', 'Новиков',
      'Фёдоров', 'Морозов', 'Волков', 'Алексеев', 'Лебедев', 'Семёнов', 'Егоров', 'Павлов', 'Козлов',
      'Степанов', 'Николаев', 'Орлов', 'Андреев', 'Макаров', 'Никитин', 'Захаров', 'Зайцев', 'Соловьёв',
      'Борисов', 'Яковлев', 'Григорьев', 'Ковалевский', 'Белых', 'Черных', 'Толстой',
    ],
    feminineFamily: feminineRussianFamily,
  },
  tr: {
    male: [
      'Mehmet', 'Ahmet', 'Mustafa', 'Ali', 'Hüseyin', 'Hasan', 'İbrahim', 'Murat', 'Ömer', 'Yusuf',
      'Emre', 'Burak', 'Çağan', 'Oğuz', 'Barış', 'Gökhan', 'Şükrü', 'İsmail',
    ],
    female: [
      'Ayşe', 'Fatma', 'Emine', 'Hatice', 'Zeynep', 'Elif', 'Özlem', 'Gülşen', 'Şule', 'Çiğdem',
      'Büşra', 'Merve', 'Eda', 'Işıl', 'Dilek', 'Gökçe', 'Nazlı', 'Sıla',
    ],
    family: [
      'Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Yıldız', 'Yıldırım', 'Öztürk', 'Aydın', 'Özdemir',
      'Arslan', 'Doğan', 'Kılıç', 'Aslan', 'Çetin', 'Kara', 'Koç', 'Kurt', 'Özkan', 'Şimşek',
      'Polat', 'Güneş', 'Erdoğan', 'Aktaş', 'Korkmaz', 'Bulut', 'Özer', 'Türkmen', 'Uçar', 'Gürbüz',
    ],
  },
  gu: {
    male: [
      'આરવ', 'વિહાન', 'રાહુલ', 'અમિત', 'જય', 'હાર્દિક', 'કિશન', 'નિરવ', 'પાર્થ', 'ધ્રુવ',
      'મિહિર', 'ચિરાગ', 'ભાવેશ', 'નીલેશ', 'સંજય', 'કેતન', 'યશ', 'હિતેશ',
    ],
    female: [
      'પ્રિયા', 'નેહા', 'હેતલ', 'કિંજલ', 'ધ્વનિ', 'ખુશી', 'રિયા', 'જાનવી', 'ભૂમિ', 'મીરા',
      'પૂજા', 'અંકિતા', 'ફાલ્ગુની', 'દીપ્તિ', 'હિના', 'ઊર્મિ', 'તૃપ્તિ', 'શ્રેયા',
    ],
    family: [
      'પટેલ', 'શાહ', 'મહેતા', 'દેસાઈ', 'જોશી', 'ત્રિવેદી', 'પંડ્યા', 'ભટ્ટ', 'પરમાર', 'ચૌહાણ',
      'સોલંકી', 'વ્યાસ', 'દવે', 'ગાંધી', 'મોદી', 'ઠાકોર', 'રાઠોડ', 'પરીખ', 'કોઠારી', 'અમીન',
      'ચૌધરી', 'મકવાણા', 'નાયક', 'ઉપાધ્યાય', 'શુક્લ', 'દોશી',
    ],
  },
  bn: {
    male: [
      'রহিম', 'করিম', 'আরিফ', 'তানভীর', 'সাকিব', 'রাকিব', 'ইমরান', 'হাসান', 'নাঈম', 'ফাহিম',
      'মাহমুদ', 'সুমন', 'অমিত', 'রাজু', 'শফিক', 'জাহিদ', 'তৌহিদ', 'মেহেদী',
    ],
    female: [
      'ফাতেমা', 'আয়েশা', 'নুসরাত', 'সুমাইয়া', 'তাসনিম', 'রুমানা', 'শারমিন', 'মিম', 'জান্নাত', 'নাসরিন',
      'সাবরিনা', 'রাবেয়া', 'লিপি', 'মৌসুমী', 'ইশরাত', 'শাহানা', 'পাপিয়া', 'তৃষা',
    ],
    family: [
      'রহমান', 'হোসেন', 'আহমেদ', 'ইসলাম', 'খান', 'চৌধুরী', 'সরকার', 'দাস', 'রায়', 'মিয়া',
      'আলম', 'হক', 'বিশ্বাস', 'মজুমদার', 'সিদ্দিকী', 'তালুকদার', 'ভূঁইয়া', 'শেখ', 'মন্ডল', 'সাহা',
      'ঘোষ', 'পাল', 'কবির', 'উদ্দিন', 'বড়ুয়া', 'চক্রবর্তী',
    ],
  },
  lo: {
    male: [
      'ສົມພອນ', 'ບຸນມີ', 'ສຸລິຍະ', 'ວັນໄຊ', 'ຄຳພອນ', 'ພອນສະຫວັນ', 'ທອງສີ', 'ສີສະຫວາດ', 'ບຸນທັນ', 'ວິໄລ',
      'ສົມສັກ', 'ໄຊຍະສິດ', 'ອານຸສອນ', 'ບົວລາ', 'ແສງທອງ', 'ຄຳແພງ', 'ພູວົງ', 'ສິດທິໄຊ',
    ],
    female: [
      'ມະນີວອນ', 'ສຸດາ', 'ນ້ອຍ', 'ວັນນາ', 'ພອນທິບ', 'ຈັນທະລາ', 'ດາວວອນ', 'ສີດາ', 'ແກ້ວ', 'ນາລີ',
      'ອາລຸນີ', 'ບຸນຍາ', 'ມາລີ', 'ສົມໃຈ', 'ທິບພະວັນ', 'ຄຳຫຼ້າ', 'ວຽງຄຳ', 'ອໍລະດີ',
    ],
    family: [
      'ພົມມະຈັນ', 'ສີຫາລາດ', 'ແກ້ວມະນີ', 'ວົງສາ', 'ສຸວັນນະ', 'ຈັນທະວົງ', 'ພົມວິຫານ', 'ສີສຸວັນ', 'ອິນທະວົງ',
      'ໄຊຍະວົງ', 'ແສງສະຫວັນ', 'ບຸບຜາ', 'ລາດຊະວົງ', 'ພິລາວົງ', 'ດວງມາລາ', 'ສີລາວົງ', 'ຄຳມະນີ', 'ວົງພະຈັນ',
      'ທຳມະວົງ', 'ສຸລິວົງ', 'ຫຼວງລາດ', 'ພັນທະວົງ',
    ],
  },
};

/** Russian surnames agree with gender: Иванов -> Иванова, Ковалевский -> Ковалевская, Толстой -> Толстая. */
function feminineRussianFamily(family: string): string {
  if (/(ов|ев|ёв|ин|ын)$/u.test(family)) return `${family}а`;
  if (/(ский|цкий)$/u.test(family)) return `${family.slice(0, -2)}ая`;
  if (/ой$/u.test(family)) return `${family.slice(0, -2)}ая`;
  return family; // Белых, Черных: the same for both genders
}

const normaliseAll = (names: readonly string[]): readonly string[] => names.map((n) => n.normalize('NFKC'));

/** The name lists, NFKC-normalised once at load. */
export const DEMO_NAMES: Readonly<Record<DemoLanguage, NameList>> = Object.fromEntries(
  Object.entries(RAW_NAMES).map(([language, list]) => [
    language,
    { ...list, male: normaliseAll(list.male), female: normaliseAll(list.female), family: normaliseAll(list.family) },
  ]),
) as Record<DemoLanguage, NameList>;

/** English nicknames some records carry in quotes (`William "Bill" Smith`), which CSV must escape. */
const ENGLISH_NICKNAMES: Readonly<Record<string, string>> = {
  William: 'Bill', Thomas: 'Tom', James: 'Jim', Samuel: 'Sam', Edward: 'Ted', Daniel: 'Dan',
  Joseph: 'Joe', Elizabeth: 'Liz', Margaret: 'Peggy', Charlotte: 'Lottie', Henry: 'Hal',
};

/**
 * A person's full name in the language's usual order. A small share comes the way some front-desk
 * systems export it, "Family, Given" (a comma: the field must be quoted in CSV), and some English
 * ones carry a quoted nickname (a double quote inside a field).
 */
export function composeName(language: DemoLanguage, random: SeededRandom): string {
  const list = DEMO_NAMES[language];
  const female = random.chance(0.5);
  const given = random.pick(female ? list.female : list.male);
  const rawFamily = random.pick(list.family);
  const family = female && list.feminineFamily ? list.feminineFamily(rawFamily) : rawFamily;
  const style = random.next();
  if (style < 0.01) return `${family}, ${given}`;
  if (style < 0.02 && language === 'en' && ENGLISH_NICKNAMES[given]) return `${given} "${ENGLISH_NICKNAMES[given]}" ${family}`;
  return `${given} ${family}`;
}
