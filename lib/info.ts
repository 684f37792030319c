import type { NativeInfo } from '../binding';
import { callNativeSync } from './errors';
import { native } from './native';

/** LibTorch version, CUDA availability and devices of this build. */
export function info(): NativeInfo {
  return callNativeSync(() => native().info());
}
