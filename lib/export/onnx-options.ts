// The ONNX writer's options and opset, apart from the writer so that the package's public types do
// not reach onnx-proto's (whose declarations need the `long` package's global type).
export const ONNX_OPSET = 17;

export interface OnnxExportOptions {
  /** Fold each BatchNorm into the convolution before it (the default: true). */
  foldBatchNorm?: boolean;
  /** The model's graph name (default: 'torchnas'). */
  name?: string;
}
