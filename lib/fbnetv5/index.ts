// FBNetV5: multitask architecture search on a multi-resolution supernet, the canvas dataset and metrics.
export * from './canvas';
export * from '../spaces/multires/multires-space';
export * from './metrics';
export * from './multitask-net';
export * from './fbnetv5-run';
export * from './retrain';
