// Commands outside a turn (Codex's command/exec): a client runs one argv in the sandbox and
// gets its output, streamed as it comes when it asks. Field names follow Codex App Server v2.
import * as z from 'zod';
import { def } from './method-def.ts';
import { SandboxPolicy } from './thread.ts';

const ProcessId = { processId: z.string() };

export const commandMethods = {
  'command/exec': def(
    'clientRequest',
    'Runs one command (argv, no shell) outside any thread, sandboxed by sandboxPolicy or the ' +
      'configured sandbox, in cwd (default: the server’s). Answers its exit code and output. ' +
      'With streamStdoutStderr and a processId the output comes as command/exec/outputDelta ' +
      'and the answer’s stdout is empty; command/exec/terminate stops it. Yoke captures stdout ' +
      'and stderr interleaved, as stdout (stderr is always empty). With streamStdin (and a ' +
      'processId) command/exec/write feeds its stdin; otherwise stdin is /dev/null. With tty ' +
      'the command runs on a pseudo-terminal of size (default 24×80) in the same sandbox: its ' +
      'output is stdout, write types into it (closeStdin types EOF), resize sizes it.',
    () =>
      z.object({
        command: z.array(z.string()).min(1),
        cwd: z.string().nullable().optional(),
        processId: z.string().nullable().optional(),
        timeoutMs: z.number().int().min(0).nullable().optional(),
        disableTimeout: z.boolean().optional(),
        sandboxPolicy: SandboxPolicy.nullable().optional(),
        streamStdoutStderr: z.boolean().optional(),
        streamStdin: z.boolean().optional(),
        tty: z.boolean().optional(),
        size: z.object({ rows: z.number().int(), cols: z.number().int() }).nullable().optional(),
        env: z.record(z.string(), z.string().nullable()).nullable().optional(),
        outputBytesCap: z.number().int().min(0).nullable().optional(),
        disableOutputCap: z.boolean().optional(),
      }),
    () => z.object({ exitCode: z.number().int(), stdout: z.string(), stderr: z.string() }),
  ),
  'command/exec/terminate': def(
    'clientRequest',
    'Stops a running command/exec started with this processId on this connection (its ' +
      'process group is killed; the command/exec answer comes with exit code 137).',
    () => z.object(ProcessId),
    () => z.object({}),
  ),
  'command/exec/write': def(
    'clientRequest',
    'Writes bytes (base64) to the stdin of a running command/exec started with streamStdin, ' +
      'closes it (closeStdin), or both; answers once the bytes are handed to the process.',
    () =>
      z.object({
        ...ProcessId,
        deltaBase64: z.string().nullable().optional(),
        closeStdin: z.boolean().optional(),
      }),
    () => z.object({}),
  ),
  'command/exec/resize': def(
    'clientRequest',
    'Resizes the terminal of a command/exec started with tty (the command gets SIGWINCH); ' +
      'refused for one without a terminal.',
    () =>
      z.object({
        ...ProcessId,
        size: z.object({ rows: z.number().int().min(0), cols: z.number().int().min(0) }),
      }),
    () => z.object({}),
  ),
  'command/exec/outputDelta': def(
    'serverNotification',
    'Output of a streamed command/exec, base64, as it arrives.',
    () =>
      z.object({
        ...ProcessId,
        stream: z.enum(['stdout', 'stderr']),
        deltaBase64: z.string(),
        capReached: z.boolean(),
      }),
  ),
} as const;
