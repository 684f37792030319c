export * from './pinas-run';
export * from './pinas-session';
