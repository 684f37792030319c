export * from './darts-run';
export * from './darts-session';
