import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.ts';
import { OUTCOME_KINDS } from '../schemas/outcomes.ts';
import { addCounters, type Counters, contributionOf, parseBucketRef } from './contributions.ts';
import { addDays, addMonths, monthsFrom } from './dates.ts';
import type { EnrolmentFacts, OutcomeFacts, ParticipantFacts, ProgrammeFacts } from './facts.ts';
import { figuresOf } from './figures.ts';
import { presentEsf, presentFigures } from './present.ts';
import { recountEsf, recountFigures } from './recount.ts';
import { derivableCounts, withheldCounts } from './suppression.ts';

const random = seededRandom;

const PROGRAMMES: Record<string, ProgrammeFacts> = {
  p1: { organisationId: 'o1', fundingProjectId: 'f1' },
  p2: { organisationId: 'o1', fundingProjectId: null },
  p3: { organisationId: 'o2', fundingProjectId: 'f1' },
};
const lookup = (id: string) => PROGRAMMES[id];
const GROUPS: Record<string, string[]> = { p1: ['g1', 'g2'], p2: ['g3'], p3: [] };

function history(seed: number, people: number): ParticipantFacts[] {
  const r = random(seed);
  const day = (from: string, maxDays: number) => addDays(from, r.int(0, maxDays));
  return Array.from({ length: people }, (_, index) => {
    const enrolments: EnrolmentFacts[] = [];
    let cursor = day('2024-01-01', 200);
    for (let n = r.int(0, 3); n > 0; n--) {
      const programmeId = r.pick(Object.keys(PROGRAMMES));
      const startDate = r.chance(0.9) ? day(cursor, 90) : null;
      const exits = startDate !== null && r.chance(0.7);
      // Now and then an exit dated before the start: old data may hold one.
      const exitDate = exits
        ? r.chance(0.05)
          ? addDays(startDate, -r.int(1, 60))
          : day(startDate, 300)
        : null;
      enrolments.push({
        id: `e${index}-${n}`,
        programmeId,
        groupId: r.chance(0.6) ? (r.pick(GROUPS[programmeId] as string[]) ?? null) : null,
        coachId: 'coach',
        stage: exitDate ? r.pick(['completed', 'discontinued'] as const) : startDate ? 'active' : 'applied',
        startDate,
        exitDate,
      });
      // Often the next enrolment follows this one; sometimes it overlaps it, in another programme.
      if (r.chance(0.6)) cursor = exitDate ?? startDate ?? cursor;
      if (!exitDate && r.chance(0.5)) break;
    }
    const outcomes: OutcomeFacts[] = Array.from({ length: r.int(0, 3) }, (_, o) => {
      const startDate = day('2024-02-01', 800);
      return {
        id: `o${index}-${o}`,
        kind: r.pick(OUTCOME_KINDS),
        startDate,
        endDate: r.chance(0.5) ? day(startDate, 300) : null,
        withdrawn: r.chance(0.1),
        verifiedOn: startDate,
      };
    });
    return {
      participantId: `p${index}`,
      birthDate: day('1960-01-01', 18_000),
      esf: {
        gender: r.pick(['woman', 'man', 'non-binary'] as const),
        labourMarketStatus: r.pick(['unemployed', 'inactive', 'employed', 'self-employed'] as const),
        iscedLevel: r.int(0, 8),
        disability: r.chance(0.2),
        thirdCountNational: r.chance(0.2),
        foreignBackground: r.chance(0.2),
        minority: r.chance(0.1),
        homeless: r.chance(0.05),
        rural: r.chance(0.3),
      },
      enrolments,
      outcomes,
      qualifications: r.chance(0.3) ? [day('2024-01-01', 700)] : [],
      attendance: Array.from({ length: r.int(0, 4) }, (_, a) => {
        const programmeId = r.pick(Object.keys(PROGRAMMES));
        return {
          sessionId: `s${a}`,
          programmeId,
          groupId: r.pick([...(GROUPS[programmeId] as string[]), null]),
          date: day('2024-01-01', 700),
          status: r.pick(['present', 'excused-absence', 'unexcused-absence'] as const),
        };
      }),
      referrals: Array.from({ length: r.int(0, 2) }, (_, f) => {
        const sentOn = day('2024-01-01', 700);
        const accepted = r.chance(0.6);
        return {
          id: `r${f}`,
          fromOrganisationId: r.pick(['o1', 'o2']),
          sentOn,
          acceptedOn: accepted ? day(sentOn, 40) : null,
          status: accepted
            ? r.pick(['accepted', 'completed', 'failed'])
            : r.pick(['sent', 'declined', 'cancelled']),
        };
      }),
    };
  });
}

/** Sums every participant's contribution into buckets: what the projector keeps in the table. */
function bucketsOf(people: readonly ParticipantFacts[], asOf: string) {
  const buckets = new Map<string, Map<string, Counters>>();
  for (const person of people) {
    for (const [ref, counters] of Object.entries(contributionOf(person, lookup, asOf).buckets)) {
      const { scope, kind, month } = parseBucketRef(ref);
      const key = `${scope}|${kind}`;
      const months = buckets.get(key) ?? new Map<string, Counters>();
      buckets.set(key, months);
      months.set(month, addCounters({ ...(months.get(month) ?? {}) }, counters));
    }
  }
  return (scope: string, kind: 'MONTH' | 'ESF') =>
    buckets.get(`${scope}|${kind}`) ?? new Map<string, Counters>();
}

const SCOPES = [
  'tenant',
  'programme#p1',
  'programme#p2',
  'group#g1',
  'group#g3',
  'funding-project#f1',
  'organisation#o1',
  'organisation#o2',
];

describe('metrics from buckets', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`equal a recount from the raw records for every scope and period (history ${seed})`, () => {
      const people = history(seed, 120);
      const asOf = '2025-06-15';
      const buckets = bucketsOf(people, asOf);
      const r = random(seed * 7919);
      for (const scope of SCOPES) {
        for (let i = 0; i < 12; i++) {
          const from = addMonths('2024-01', r.int(0, 30));
          const to = addMonths(from, r.int(0, 14));
          const { figures, series } = figuresOf(buckets(scope, 'MONTH'), from, to);
          expect(figures, `${scope} ${from}..${to}`).toEqual(
            recountFigures(people, lookup, scope, from, to, asOf),
          );
          for (const month of series) {
            expect(month.figures).toEqual(
              recountFigures(people, lookup, scope, month.month, month.month, asOf),
            );
          }
        }
      }
      for (let i = 0; i < 12; i++) {
        const from = addMonths('2024-01', r.int(0, 30));
        const to = addMonths(from, r.int(0, 14));
        const sum: Counters = {};
        for (const [month, counters] of buckets('funding-project#f1', 'ESF')) {
          if (month >= from && month <= to) addCounters(sum, counters);
        }
        expect(sum).toEqual(recountEsf(people, lookup, 'f1', from, to, asOf));
      }
    });
  }

  it('counts a person in two enrolments of one scope once, and not in a gap between them', () => {
    const person = history(1, 1)[0] as ParticipantFacts;
    person.enrolments = [
      {
        id: 'a',
        programmeId: 'p1',
        groupId: null,
        coachId: 'c',
        stage: 'completed',
        startDate: '2025-01-10',
        exitDate: '2025-02-20',
      },
      {
        id: 'b',
        programmeId: 'p1',
        groupId: null,
        coachId: 'c',
        stage: 'active',
        startDate: '2025-05-02',
        exitDate: null,
      },
    ];
    const buckets = bucketsOf([person], '2025-12-31');
    const participants = (from: string, to: string) =>
      figuresOf(buckets('programme#p1', 'MONTH'), from, to).figures.participants;
    expect(participants('2025-01', '2025-12')).toBe(1);
    expect(participants('2025-03', '2025-04')).toBe(0);
    expect(participants('2025-02', '2025-05')).toBe(1);
    expect(participants('2026-01', '2026-03')).toBe(1);
  });
});

describe('the small-group headline (shared/seeds)', () => {
  const exit = '2026-01-09';
  const person = (
    id: string,
    job: { start: string; end: string | null } | null,
    stage: 'completed' | 'discontinued',
  ) =>
    ({
      ...(history(9, 1)[0] as ParticipantFacts),
      participantId: id,
      enrolments: [
        {
          id,
          programmeId: 'p1',
          groupId: 'g1',
          coachId: 'c',
          stage,
          startDate: '2025-09-01',
          exitDate: exit,
        },
      ],
      outcomes: job
        ? [
            {
              id: `${id}-job`,
              kind: 'employed-open-market',
              startDate: job.start,
              endDate: job.end,
              withdrawn: false,
              verifiedOn: job.start,
            },
          ]
        : [],
      attendance: [],
      referrals: [],
    }) satisfies ParticipantFacts;
  const group = [
    person('a', { start: '2026-01-10', end: null }, 'completed'),
    person('b', { start: '2026-01-12', end: '2026-09-30' }, 'completed'),
    person('c', { start: '2026-01-20', end: null }, 'completed'),
    person('d', null, 'discontinued'),
  ];
  const rateOn = (asOf: string) => {
    const buckets = bucketsOf(group, asOf);
    return figuresOf(buckets('group#g1', 'MONTH'), '2026-01', '2026-01').figures;
  };

  it('is 75% employed for at least 4 months and one dropout, once the jobs have lasted 120 days', () => {
    const figures = rateOn('2026-06-30');
    expect(figures.exited).toBe(4);
    expect(figures.employed4Months).toBe(3);
    expect(figures.employed4MonthsRate).toBe(0.75);
    expect(figures.discontinued).toBe(1);
  });

  it('counts an ongoing job that started on 2026-01-10 from 2026-05-10, not on 2026-05-09', () => {
    const contribution = (asOf: string) => contributionOf(group[0] as ParticipantFacts, lookup, asOf);
    expect(contribution('2026-05-09').buckets['group#g1|MONTH|2026-01']?.e4).toBeUndefined();
    expect(contribution('2026-05-09').changesOn).toBe('2026-05-10');
    expect(contribution('2026-05-10').buckets['group#g1|MONTH|2026-01']?.e4).toBe(1);
  });

  it('is withheld for analysts at k = 5, with everything it could be worked out from', () => {
    const buckets = bucketsOf(group, '2026-06-30');
    const metrics = figuresOf(buckets('group#g1', 'MONTH'), '2026-01', '2026-01');
    const analyst = presentFigures(metrics, 5).figures;
    expect(analyst.employed4MonthsRate).toEqual({ value: null, suppressed: true });
    expect(analyst.employed4Months).toEqual({ value: null, suppressed: true });
    expect(analyst.exited).toEqual({ value: null, suppressed: true });
    expect(analyst.participants).toEqual({ value: null, suppressed: true });
    const admin = presentFigures(metrics, null).figures;
    expect(admin.employed4MonthsRate).toEqual({ value: 0.75, suppressed: false });
  });
});

describe('secondary suppression', () => {
  it('withholds a second part when one part of a visible total is withheld', () => {
    const counts = new Map([
      ['total', 12],
      ['a', 2],
      ['b', 6],
      ['c', 4],
    ]);
    expect([...withheldCounts(counts, [['total', ['a', 'b', 'c']]], 5)].sort()).toEqual(['a', 'c']);
    const lone = new Map([
      ['total', 9],
      ['a', 3],
      ['b', 6],
    ]);
    expect([...withheldCounts(lone, [['total', ['a', 'b']]], 5)].sort()).toEqual(['a', 'b']);
  });

  it('withholds rates over a withheld count and months that would reveal one', () => {
    const people = history(3, 60);
    const buckets = bucketsOf(people, '2025-06-15');
    const metrics = figuresOf(buckets('programme#p1', 'MONTH'), '2024-03', '2024-08');
    const cells = presentFigures(metrics, 5);
    for (const table of [cells.figures, ...cells.series.map((s) => s.figures)]) {
      if (table.discontinued.suppressed) expect(table.dropoutRate.suppressed).toBe(true);
      const parts = [table.completed, table.discontinued, table.exited].filter((cell) => cell.suppressed);
      expect(parts.length === 0 || parts.length >= 2).toBe(true);
      for (const cell of Object.values(table)) {
        if (!cell.suppressed && Number.isInteger(cell.value))
          expect(cell.value === 0 || (cell.value as number) >= 5 || cell.value === null).toBe(true);
      }
    }
    for (const name of ['started', 'completed', 'discontinued'] as const) {
      const months = cells.series.map((s) => s.figures[name]);
      if (!cells.figures[name].suppressed) expect(months.filter((m) => m.suppressed).length).not.toBe(1);
    }
  });

  it('leaves no single withheld cell in an ESF row or column sum', () => {
    const people = history(4, 200);
    const buckets = bucketsOf(people, '2025-06-15');
    const sum: Counters = {};
    for (const counters of buckets('funding-project#f1', 'ESF').values()) addCounters(sum, counters);
    const report = presentEsf(sum, 5);
    for (const row of [...report.entry, ...report.results]) {
      const cells = [row.women, row.men, row.nonBinary, row.total];
      expect(cells.filter((c) => c.suppressed).length).not.toBe(1);
      const visibleTotal = row.total.suppressed ? null : row.total.value;
      if (visibleTotal !== null && cells.every((c) => !c.suppressed)) {
        expect((row.women.value ?? 0) + (row.men.value ?? 0) + (row.nonBinary.value ?? 0)).toBe(visibleTotal);
      }
    }
  });
});

describe('suppression read as a system of sums', () => {
  it('leaves no withheld ESF+ count that the row and column totals together pin down', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = random(seed);
      const counts: Counters = {};
      for (const g of ['w', 'm', 'n']) {
        const status = [r.int(0, 9), r.int(0, 9), r.int(0, 9)] as const;
        const total = status[0] + status[1] + status[2];
        const low = r.int(0, total);
        const middle = r.int(0, total - low);
        Object.assign(counts, {
          [`i:unemployed:${g}`]: status[0],
          [`i:inactive:${g}`]: status[1],
          [`i:employed:${g}`]: status[2],
          [`i:total:${g}`]: total,
          [`i:isced-0-2:${g}`]: low,
          [`i:isced-3-4:${g}`]: middle,
          [`i:isced-5-8:${g}`]: total - low - middle,
        });
      }
      const report = presentEsf(counts, 5);
      const withheld = new Set<string>();
      for (const row of report.entry) {
        for (const [column, cell] of Object.entries({
          w: row.women,
          m: row.men,
          n: row.nonBinary,
          total: row.total,
        })) {
          if (cell.suppressed) withheld.add(`${row.indicator}:${column}`);
        }
      }
      // The sums a reader knows, written out here rather than taken from the code under test.
      const sums: [string, string[]][] = [];
      for (const row of report.entry)
        sums.push([`${row.indicator}:total`, ['w', 'm', 'n'].map((g) => `${row.indicator}:${g}`)]);
      for (const column of ['w', 'm', 'n', 'total']) {
        sums.push([`total:${column}`, ['unemployed', 'inactive', 'employed'].map((i) => `${i}:${column}`)]);
        sums.push([`total:${column}`, ['isced-0-2', 'isced-3-4', 'isced-5-8'].map((i) => `${i}:${column}`)]);
      }
      expect(derivableCounts(sums, withheld), `seed ${seed}`).toEqual([]);
    }
  });

  it('leaves no withheld month or part that the period totals pin down', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const people = history(seed, 40);
      const buckets = bucketsOf(people, '2025-06-15');
      const metrics = figuresOf(buckets('programme#p1', 'MONTH'), '2024-02', '2024-09');
      const cells = presentFigures(metrics, 5);
      const withheld = new Set<string>();
      const tables = [
        { key: '', figures: cells.figures },
        ...cells.series.map((m) => ({ key: `@${m.month}`, figures: m.figures })),
      ];
      for (const { key, figures } of tables) {
        for (const [name, cell] of Object.entries(figures))
          if (cell.suppressed) withheld.add(`${name}${key}`);
      }
      const sums: [string, string[]][] = [];
      for (const { key } of tables) {
        sums.push([`exited${key}`, [`completed${key}`, `discontinued${key}`]]);
        sums.push([
          `attendanceRecorded${key}`,
          ['present', 'excusedAbsences', 'unexcusedAbsences'].map((n) => `${n}${key}`),
        ]);
      }
      for (const name of [
        'started',
        'exited',
        'completed',
        'discontinued',
        'present',
        'excusedAbsences',
        'unexcusedAbsences',
        'attendanceRecorded',
      ]) {
        sums.push([name, cells.series.map((m) => `${name}@${m.month}`)]);
      }
      expect(derivableCounts(sums, withheld), `seed ${seed}`).toEqual([]);
    }
  });
});

it('monthsFrom lists both ends', () => {
  expect(monthsFrom('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
});
