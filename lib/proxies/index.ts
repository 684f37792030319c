// Zero-cost proxies (computed natively on a session's network), their study on NAS-Bench-201, and a
// parametric (learned) proxy over their per-layer values.
export * from './zero-cost';
export * from './zero-cost-session';
export { kendall, mape, ranks, spearman } from '../util/statistics';
export * from './nb201-proxies';
export * from './parametric/nb201-layer-features';
export * from './parametric/parzc';
export * from './parametric/diff-kendall';
export * from './parametric/parzc-predictor';
export * from './parametric/nb201-node-features';
