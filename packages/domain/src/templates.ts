/**
 * The five programme models of the ESF good-practice write-ups, as read-only templates.
 * Defaults are what the seeds say; where a seed gives no number the default is marked editable.
 */
import type { SchedulePhase } from './schedule.ts';

export const SESSION_KINDS = [
  'group-coaching',
  'individual-coaching',
  'initial-assessment',
  'network-meeting',
] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

export const SERVICE_KINDS = [
  'work-try-out',
  'training-trial',
  'rehabilitative-work-activity',
  'education',
  'licence-training',
  'group-guidance',
  'another-programme',
  'employment-services',
] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

export interface TemplateSchedulePhase extends SchedulePhase {
  kind: SessionKind;
  note: string;
}

export interface ProgrammeTemplate {
  id: string;
  name: string;
  summary: string;
  source: { projectCode: string | null; priorityAxis: string | null; specificObjective: string | null };
  defaults: {
    /** Seats per group; null where the model is individual coaching. */
    groupCapacity: number | null;
    leadersPerGroup: number | null;
    groupDaysPerWeek: { min: number; max: number } | null;
    sessionKinds: SessionKind[];
    schedule: TemplateSchedulePhase[];
    nextServices: ServiceKind[];
    milestones: string[];
  };
  headlineResults: { metric: string; target: number | null; text: string }[];
}

export const PROGRAMME_TEMPLATES: readonly ProgrammeTemplate[] = [
  {
    id: 'career-coaching',
    name: 'Career coaching (One-Stop Guidance Centre)',
    summary:
      'Small-group coaching with individual pair coaching, one or two days a week in short periods near the young ' +
      "person's home; network meetings with partners; the coach follows the person into work try-outs, training " +
      'trials and rehabilitative work activity.',
    source: {
      projectCode: 'S20168',
      priorityAxis: '3. Employment and labour mobility',
      specificObjective:
        '6.1 Promoting the employment of young people and those in a weak position in the job market',
    },
    defaults: {
      groupCapacity: 6,
      leadersPerGroup: 1,
      groupDaysPerWeek: { min: 1, max: 2 },
      sessionKinds: ['group-coaching', 'individual-coaching', 'network-meeting'],
      schedule: [
        {
          kind: 'group-coaching',
          frequency: 'weekly',
          interval: 1,
          days: ['TU', 'TH'],
          count: 16,
          note: 'Two group days a week for a short period (the seed gives no length: editable)',
        },
      ],
      nextServices: ['work-try-out', 'training-trial', 'rehabilitative-work-activity', 'education'],
      milestones: ['skills-identified'],
    },
    headlineResults: [
      {
        metric: 'qualitative',
        target: null,
        text: 'Seamless client process with partners; qualitative results',
      },
    ],
  },
  {
    id: 'career-planning',
    name: 'Career planning process',
    summary:
      'Individual career planning based on identifying skills: an initial assessment weekly for 3–5 weeks, then ' +
      'guidance every two weeks; then group guidance or training for licences and permits.',
    source: {
      projectCode: 'S20738',
      priorityAxis: '4. Education, professional skills and lifelong learning',
      specificObjective: '9.1 Improving services supporting transition stages and educational equality',
    },
    defaults: {
      groupCapacity: null,
      leadersPerGroup: null,
      groupDaysPerWeek: null,
      sessionKinds: ['initial-assessment', 'individual-coaching'],
      schedule: [
        {
          kind: 'initial-assessment',
          frequency: 'weekly',
          interval: 1,
          count: 4,
          note: 'Initial assessment: one meeting a week for 3–5 weeks',
        },
        {
          kind: 'individual-coaching',
          frequency: 'weekly',
          interval: 2,
          count: 6,
          note: 'Then guidance once every two weeks',
        },
      ],
      nextServices: ['group-guidance', 'licence-training', 'education'],
      milestones: ['skills-identified', 'skills-based-cv', 'job-application', 'self-assessment'],
    },
    headlineResults: [
      { metric: 'milestones', target: null, text: 'Skills-based CV and job applications written' },
      { metric: 'upon-leaving', target: null, text: 'Employment, a study place or an own business' },
    ],
  },
  {
    id: 'small-group-coaching',
    name: 'Coaching in small groups',
    summary:
      'Four jobseekers and one leader plan their activities together; peer support and personal coaching ' +
      'towards a study or employment path.',
    source: {
      projectCode: 'S20665',
      priorityAxis: '3. Employment and labour mobility',
      specificObjective:
        '6.1 Promoting the employment of young people and those in a weak position in the job market',
    },
    defaults: {
      groupCapacity: 4,
      leadersPerGroup: 1,
      groupDaysPerWeek: { min: 1, max: 2 },
      sessionKinds: ['group-coaching', 'individual-coaching'],
      schedule: [
        {
          kind: 'group-coaching',
          frequency: 'weekly',
          interval: 1,
          count: 12,
          note: 'Weekly group meetings (the seed gives no frequency: editable)',
        },
      ],
      nextServices: ['work-try-out', 'education'],
      milestones: ['self-assessment'],
    },
    headlineResults: [
      { metric: 'employed-4-months', target: 0.75, text: '75% employed for at least 4 months' },
      { metric: 'dropouts', target: 1, text: 'Only one person quit' },
    ],
  },
  {
    id: 'pay-subsidised-job-coaching',
    name: 'Job coaching in pay-subsidised work',
    summary:
      'Coaching and training during a pay-subsidised job in a municipality, including training for permits and ' +
      'licences, so the person progresses to the open labour market.',
    source: {
      projectCode: 'S20708',
      priorityAxis: '5. Social inclusion and combating poverty',
      specificObjective: '10.1 Improving the ability of those outside employment to work and function',
    },
    defaults: {
      groupCapacity: null,
      leadersPerGroup: null,
      groupDaysPerWeek: null,
      sessionKinds: ['individual-coaching'],
      schedule: [
        {
          kind: 'individual-coaching',
          frequency: 'weekly',
          interval: 2,
          count: 12,
          note: 'Job coaching at work every two weeks (the seed gives no frequency: editable)',
        },
      ],
      nextServices: ['licence-training', 'education', 'employment-services'],
      milestones: ['licence-or-permit'],
    },
    headlineResults: [
      {
        metric: 'progressed-to-open-market',
        target: 0.3,
        text: 'Over 30% progressed from pay-subsidised work to the open labour market',
      },
    ],
  },
  {
    id: 'peer-mentoring-entrepreneurship',
    name: 'Peer mentoring and entrepreneurship group',
    summary:
      'A mastermind group of mentoring and peer support for immigrants interested in entrepreneurship, with ' +
      'entrepreneurship education and customised skills training matched to employers’ needs.',
    source: { projectCode: null, priorityAxis: null, specificObjective: null },
    defaults: {
      groupCapacity: 12,
      leadersPerGroup: 1,
      groupDaysPerWeek: { min: 1, max: 1 },
      sessionKinds: ['group-coaching', 'individual-coaching'],
      schedule: [
        {
          kind: 'group-coaching',
          frequency: 'weekly',
          interval: 1,
          count: 10,
          note: 'Weekly mastermind meetings (the seed gives no frequency: editable)',
        },
      ],
      nextServices: ['education', 'employment-services', 'work-try-out'],
      milestones: ['business-idea-tested'],
    },
    headlineResults: [
      {
        metric: 'business-started',
        target: 0.4,
        text: 'About 40% started a business or seriously considered it',
      },
      {
        metric: 'upon-leaving',
        target: 0.5,
        text: 'About half found a job or a work trial place (ICT training)',
      },
    ],
  },
];

export function findTemplate(id: string): ProgrammeTemplate | undefined {
  return PROGRAMME_TEMPLATES.find((template) => template.id === id);
}
