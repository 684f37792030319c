// Zero-cost proxies, computed natively on a session's network.
export * from './zero-cost';
