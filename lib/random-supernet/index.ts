export * from './random-supernet-run';
