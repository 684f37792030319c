// Zero-cost proxies (computed natively on a session's network) and their study on NAS-Bench-201.
export * from './zero-cost';
export { kendall, mape, ranks, spearman } from '../util/statistics';
export * from './nb201-proxies';
