/** The ESF+ common indicators: who a participant was at entry, and the results of leaving. */
import { ageOn, monthsBetween } from './dates.ts';
import type { ExitResults } from './exits.ts';
import type { EsfAtEntry } from './facts.ts';

/** Indicators at entry, in the order the report lists them. */
export const ENTRY_INDICATORS = [
  { id: 'unemployed', label: 'Unemployed, including long-term unemployed' },
  { id: 'long-term-unemployed', label: 'Long-term unemployed' },
  { id: 'inactive', label: 'Inactive' },
  { id: 'employed', label: 'Employed, including self-employed' },
  { id: 'under-18', label: 'Below 18 years of age' },
  { id: '18-29', label: '18–29 years of age' },
  { id: '55-and-over', label: '55 years of age and over' },
  { id: 'isced-0-2', label: 'Lower secondary education or less (ISCED 0–2)' },
  { id: 'isced-3-4', label: 'Upper secondary or post-secondary education (ISCED 3–4)' },
  { id: 'isced-5-8', label: 'Tertiary education (ISCED 5–8)' },
  { id: 'disability', label: 'Participants with disabilities' },
  { id: 'third-country-national', label: 'Third-country nationals' },
  { id: 'foreign-background', label: 'Participants with a foreign background' },
  { id: 'minority', label: 'Minorities' },
  { id: 'homeless', label: 'Homeless or affected by housing exclusion' },
  { id: 'rural', label: 'Participants from rural areas' },
  { id: 'total', label: 'Total participants' },
] as const;
export type EntryIndicator = (typeof ENTRY_INDICATORS)[number]['id'];

/** Result indicators, counted once per participant when they leave the funding project. */
export const RESULT_INDICATORS = [
  { id: 'leavers', label: 'Participants who left' },
  { id: 'job-searching', label: 'Inactive at entry, engaged in job searching upon leaving' },
  { id: 'education-or-training', label: 'In education or training upon leaving' },
  { id: 'qualification', label: 'Gained a qualification upon leaving' },
  { id: 'employed', label: 'In employment, including self-employment, upon leaving' },
  { id: 'employed-6-months', label: 'In employment, including self-employment, six months after leaving' },
  { id: 'improved-6-months', label: 'With an improved labour market situation six months after leaving' },
] as const;
export type ResultIndicator = (typeof RESULT_INDICATORS)[number]['id'];

export const GENDER_CODES = { woman: 'w', man: 'm', 'non-binary': 'n' } as const;

/**
 * Indicators true of a person entering on `entryDate`: long-term unemployment is 12 months or more
 * (6 for those under 25), ages are on the entry date.
 */
export function entryIndicators(esf: EsfAtEntry, birthDate: string, entryDate: string): EntryIndicator[] {
  const age = ageOn(birthDate, entryDate);
  const indicators: EntryIndicator[] = ['total'];
  const status = esf.labourMarketStatus;
  if (status === 'unemployed') {
    indicators.push('unemployed');
    const longTermMonths = age < 25 ? 6 : 12;
    if (
      esf.unemployedSince !== undefined &&
      monthsBetween(esf.unemployedSince, entryDate) >= longTermMonths
    ) {
      indicators.push('long-term-unemployed');
    }
  }
  if (status === 'inactive') indicators.push('inactive');
  if (status === 'employed' || status === 'self-employed') indicators.push('employed');
  if (age < 18) indicators.push('under-18');
  else if (age <= 29) indicators.push('18-29');
  else if (age >= 55) indicators.push('55-and-over');
  indicators.push(esf.iscedLevel <= 2 ? 'isced-0-2' : esf.iscedLevel <= 4 ? 'isced-3-4' : 'isced-5-8');
  if (esf.disability) indicators.push('disability');
  if (esf.thirdCountNational) indicators.push('third-country-national');
  if (esf.foreignBackground) indicators.push('foreign-background');
  if (esf.minority) indicators.push('minority');
  if (esf.homeless) indicators.push('homeless');
  if (esf.rural) indicators.push('rural');
  return indicators;
}

export function resultIndicators(results: ExitResults): ResultIndicator[] {
  const indicators: ResultIndicator[] = ['leavers'];
  if (results.jobSearchingUponLeaving) indicators.push('job-searching');
  if (results.educationUponLeaving) indicators.push('education-or-training');
  if (results.qualificationUponLeaving) indicators.push('qualification');
  if (results.employedUponLeaving) indicators.push('employed');
  if (results.employed6Months) indicators.push('employed-6-months');
  if (results.improved6Months) indicators.push('improved-6-months');
  return indicators;
}
