export * from './pnas-run';
