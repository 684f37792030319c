export { EXPORT_FORMATS, exportNetwork, exportOnnx, exportSafetensors, networkOfRun, readNetworkWeights, type ExportFormat, type ExportOptions, type ExportResult, type NetworkSource } from './export-network';
export { ONNX_OPSET, type OnnxExportOptions } from './onnx';
export { readSafetensors, safetensorsBytes, type NamedTensor, type ReadTensor } from './safetensors';
export { checkWeights, tensorEntries, type TensorEntry } from './tensor-names';
