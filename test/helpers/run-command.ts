// Runs one registered CLI command in-process and returns what it printed on stdout.
import { Command } from 'commander';

export async function runCommand(register: (program: Command) => void, args: string[]): Promise<string> {
  const program = new Command('torchnas').exitOverride().configureOutput({ writeErr: () => undefined });
  register(program);
  const chunks: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['node', 'torchnas', ...args]);
  } finally {
    write.mockRestore();
  }
  return chunks.join('');
}
