// `torchnas latency agent`: start a latency agent on the device to measure, and print how a host uses it.
import type { Command } from 'commander';
import { positiveWholeNumber, wholeNumber } from '../../util/option-parsers';
import { startLatencyAgent } from './agent';
import { DEFAULT_AGENT_LIMITS } from './agent-protocol';

export function registerAgentCommand(latency: Command): void {
  latency
    .command('agent')
    .description(
      'measure latency on this device for a host that builds tables or searches (ONNX or LibTorch)',
    )
    .addHelpText(
      'after',
      `
Examples (on a Raspberry Pi: npm install --ignore-scripts ./torchnas-<version>.tgz onnxruntime-node):
  npx torchnas latency agent --host 0.0.0.0 --port 7070
  then on the host:  torchnas latency table --space proxyless-28 --runtime onnxruntime --batch-size 1 \\
                       --remote http://pi.local:7070 --token <printed token> -o pi.json
It measures what the host sends (ONNX models, or block descriptions where the torchnas addon is
built here), one request at a time, with bounded sizes; it reads and writes no files. Every request
must carry the token (made up and printed when --token is not given).`,
    )
    .option('--host <address>', 'address to listen on (0.0.0.0: every interface)', '127.0.0.1')
    .option('--port <n>', 'port (0: any free one)', wholeNumber('--port'), 7070)
    .option('--token <token>', 'the token hosts must give (default: made up; or TORCHNAS_AGENT_TOKEN)')
    .option(
      '--max-model-mb <n>',
      'largest ONNX model a request may carry',
      positiveWholeNumber('--max-model-mb'),
      DEFAULT_AGENT_LIMITS.maxModelBytes / 2 ** 20,
    )
    .option('--quiet', 'do not log each measurement', false)
    .action(async (o) => {
      const agent = await startLatencyAgent({
        host: o.host,
        port: o.port,
        token: o.token ?? process.env.TORCHNAS_AGENT_TOKEN,
        limits: { maxModelBytes: o.maxModelMb * 2 ** 20 },
        onMeasured: o.quiet
          ? undefined
          : (what, ms) => process.stdout.write(`${new Date().toISOString()} ${what}: ${ms.toFixed(3)} ms\n`),
      });
      const d = agent.device;
      const runtimes = [
        d.onnxruntime && `onnxruntime ${d.onnxruntime}`,
        d.libtorch && `LibTorch ${d.libtorch}`,
      ];
      process.stdout.write(
        `latency agent on ${agent.url}: ${d.cpu}, ${d.cores} cores, ${d.platform} ${d.arch}; ` +
          `${runtimes.filter(Boolean).join(', ') || 'no runtime (install onnxruntime-node)'}\n` +
          `token: ${agent.token}\n` +
          `on the host: --remote ${agent.url} --token ${agent.token}\n`,
      );
      const stop = () => void agent.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
