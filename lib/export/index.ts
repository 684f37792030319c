export {
  EXPORT_FORMATS,
  exportNetwork,
  exportOnnx,
  exportSafetensors,
  networkOfRun,
  readNetworkWeights,
  type ExportFormat,
  type ExportOptions,
  type ExportResult,
  type NetworkSource,
} from './export-network';
export { ONNX_OPSET, type OnnxExportOptions } from './onnx-options';
export { exportNb201Onnx } from './nb201-onnx';
export { readSafetensors, safetensorsBytes, type NamedTensor, type ReadTensor } from './safetensors';
export { checkWeights, nb201TensorEntries, tensorEntries, type TensorEntry } from './tensor-names';
