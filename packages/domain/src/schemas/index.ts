export * from './common.ts';
export * from './enrolments.ts';
export * from './funding-projects.ts';
export * from './organisations.ts';
export * from './participants.ts';
export * from './programmes.ts';
export * from './sessions.ts';
