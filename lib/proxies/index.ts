// Zero-cost proxies (computed natively on a session's network) and their study on NAS-Bench-201.
export * from './zero-cost';
export * from './rank-correlation';
export * from './nb201-proxies';
