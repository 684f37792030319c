export * from './block';
export * from './grammar';
export * from './architecture';
export * from './shape';
export * from './presets';
