// `torchnas export`: a trained network out of torchnas, as ONNX or safetensors. Registered on the main
// program by lib/cli/main.ts.
import { Option, type Command } from 'commander';
import { EXPORT_FORMATS, exportNetwork, type ExportFormat } from './export-network';

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('write a trained network as ONNX (opset 17) or safetensors weights')
    .addHelpText(
      'after',
      `
--run takes a train run, a search run with a retrain/ run (--retrain-epochs), or a \`supernet extract\` folder.
Examples:
  torchnas export --run runs/train-1 --format onnx -o net.onnx
  torchnas export --run runs/search-1 --format safetensors -o net.safetensors`,
    )
    .requiredOption('--run <dir>', 'the run folder holding the network and its weights')
    .addOption(new Option('--format <f>', 'output format').choices([...EXPORT_FORMATS]).default('onnx'))
    .requiredOption('-o, --out <file>', 'output file')
    .option(
      '--no-fold-bn',
      'ONNX: keep BatchNormalization nodes instead of folding them into the convolutions',
    )
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (o: { run: string; format: ExportFormat; out: string; foldBn: boolean; json: boolean }) => {
      const result = await exportNetwork({
        run: o.run,
        format: o.format,
        out: o.out,
        foldBatchNorm: o.foldBn,
      });
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        const opset = result.opset ? `, opset ${result.opset}` : '';
        process.stdout.write(
          `${result.format} of '${result.arch}' written to ${result.file} (${result.bytes} bytes${opset})\n`,
        );
      }
    });
}
