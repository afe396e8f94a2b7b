/** Word lists the generator draws from. Non-Latin names use only ≤3-byte UTF-8 characters. */

/** A person's name in some script, with an ASCII form for logins. */
export interface PersonName {
  first: string;
  last: string;
  asciiFirst: string;
  asciiLast: string;
}

const LATIN_FIRST = [
  'Ines',
  'Inès',
  'Lukas',
  'Sofia',
  'Noah',
  'Emma',
  'Liam',
  'Olivia',
  'Mateo',
  'Zoë',
  'Finn',
  'Amélie',
  'Jonas',
  'Chloé',
  'Arjun',
  'Priya',
  'Kwame',
  'Amara',
  'Björn',
  'Siobhán',
  'José',
  'François',
  'Łukasz',
  'Ana',
  'Omar',
  'Leila',
  'Hugo',
  'Marta',
  'Pieter',
  'Elif',
];
const LATIN_LAST = [
  'Peeters',
  'Janssens',
  'Maes',
  'García',
  'Müller',
  'Smith',
  "O'Brien",
  'Nowak',
  'Rossi',
  'Dubois',
  'Van den Berg',
  'Kowalski',
  'Silva',
  'Nguyen',
  'Okafor',
  'Haddad',
  'Øster',
  'Ström',
  'Yılmaz',
  'Novák',
  'De Smet',
  'Fernández',
  'Schäfer',
  'Murphy',
  'Costa',
  'Lefèvre',
];

/** Names in Greek, Japanese, Arabic and Cyrillic scripts with their transliterations. */
const NON_LATIN: readonly PersonName[] = [
  { first: 'Γιώργος', last: 'Παπαδόπουλος', asciiFirst: 'giorgos', asciiLast: 'papadopoulos' },
  { first: 'Ελένη', last: 'Κωνσταντίνου', asciiFirst: 'eleni', asciiLast: 'konstantinou' },
  { first: '太郎', last: '山田', asciiFirst: 'taro', asciiLast: 'yamada' },
  { first: '花子', last: '佐藤', asciiFirst: 'hanako', asciiLast: 'sato' },
  { first: 'محمد', last: 'العلي', asciiFirst: 'mohammed', asciiLast: 'alali' },
  { first: 'فاطمة', last: 'الزهراء', asciiFirst: 'fatima', asciiLast: 'alzahraa' },
  { first: 'Анна', last: 'Иванова', asciiFirst: 'anna', asciiLast: 'ivanova' },
];

/** Strips diacritics and anything not usable in an email local part. */
export function asciiSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[łŁ]/g, 'l')
    .replace(/[øØ]/g, 'o')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

/** A Latin name built from the pools, or (when `nonLatin`) one of the non-Latin names. */
export function personName(pickIndex: (n: number) => number, nonLatin: boolean): PersonName {
  if (nonLatin) return NON_LATIN[pickIndex(NON_LATIN.length)] ?? NON_LATIN_FALLBACK;
  const first = LATIN_FIRST[pickIndex(LATIN_FIRST.length)] ?? 'Alex';
  const last = LATIN_LAST[pickIndex(LATIN_LAST.length)] ?? 'Doe';
  return { first, last, asciiFirst: asciiSlug(first), asciiLast: asciiSlug(last) };
}

const NON_LATIN_FALLBACK: PersonName = {
  first: 'Ελένη',
  last: 'Κωνσταντίνου',
  asciiFirst: 'eleni',
  asciiLast: 'konstantinou',
};

/** Department → team names, also used for nested-looking group names. */
export const DEPARTMENTS: Record<string, readonly string[]> = {
  Engineering: ['Platform', 'Payments', 'Mobile', 'Data', 'SRE', 'Security'],
  Finance: ['Accounting', 'Treasury', 'Controlling', 'Tax'],
  Sales: ['EMEA', 'Americas', 'APAC', 'Inside Sales'],
  Marketing: ['Brand', 'Growth', 'Events'],
  'Human Resources': ['Recruiting', 'People Ops', 'Payroll'],
  Legal: ['Compliance', 'Contracts'],
  Operations: ['Facilities', 'Procurement', 'IT Support'],
  'R&D': ['Research', 'Prototyping'],
};

/** Department names in a stable order. */
export const DEPARTMENT_NAMES = Object.keys(DEPARTMENTS);

export const TITLES = [
  'Software Engineer',
  'Senior Software Engineer',
  'Engineering Manager',
  'Controller',
  'Account Executive',
  'Recruiter',
  'Data Analyst',
  'Product Manager',
  'Legal Counsel',
  'IT Administrator',
  'Intern',
  'VP Sales',
  'Designer',
  'Site Reliability Engineer',
];

export const DIVISIONS = ['Corporate', 'Product', 'Go-To-Market', 'Shared Services'];
export const ORGANIZATIONS = ['Example Corp', 'Example Corp EMEA', 'Example Labs'];
export const COUNTRY_CODES = ['BE', 'NL', 'US', 'GB', 'DE', 'FR', 'JP', 'GR', 'AE', 'IN'];
export const USER_TYPES = ['Employee', 'Contractor', 'Intern', 'Service'];
export const SKILLS = ['go', 'typescript', 'sql', 'negotiation', 'excel', 'k8s', 'design', 'ifrs'];

/** Profile strings that carry user-supplied HTML; consumers must escape them. */
export const HTML_SNIPPETS = [
  '<b>Team lead</b> &amp; mentor',
  'Loves <i>coffee</i> <script>alert(1)</script>',
  '<a href="https://example.com">homepage</a>',
];
