import * as os from 'os';
import type { NativeInfo } from '../binding';
import { callNativeSync } from './errors';
import { native } from './native';

export interface TorchnasInfo extends NativeInfo {
  /**
   * Threads a session uses unless told otherwise (`threads` option). `parallelInfo` describes the
   * calling thread only: each session sets its own worker's thread count.
   */
  sessionThreads: number;
}

/** LibTorch version, CUDA availability and devices of this build. */
export function info(): TorchnasInfo {
  return { ...callNativeSync(() => native().info()), sessionThreads: os.availableParallelism() };
}
