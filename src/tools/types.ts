// A tool is data plus `execute`. The engine knows tools only through this interface.
import type { z } from 'zod';
import type { CommandAction, FileUpdateChange, ThreadItem } from '../protocol/items.ts';
import type { ElicitationRequest, ElicitationResponse } from '../protocol/methods-mcp.ts';
import type { TurnPlanStep } from '../protocol/thread.ts';
import type { ProcessOutcome, ProcessRunner } from '../sandbox/process-runner.ts';

/** An error the model should see and can correct (bad arguments, a patch that does not apply). */
export class ToolError extends Error {
  readonly code = 'tool_error';
}

/** The error for a path the sandbox hides. */
export function hiddenMessage(path: string): string {
  return `${path} is hidden by the sandbox (credentials and Yoke's own files are not readable)`;
}

/** What a running tool may tell the loop while it works. */
export type ToolProgress =
  | { type: 'outputDelta'; delta: string }
  | { type: 'planUpdated'; explanation: string | null; plan: TurnPlanStep[] }
  /** A line of progress of a long call (an MCP server's progress notifications). */
  | { type: 'progress'; message: string };

/** What a tool asks permission for, before it acts. */
export type ApprovalRequest =
  | {
      kind: 'command';
      itemId: string;
      command: string;
      argv: string[];
      cwd: string;
      commandActions: CommandAction[];
      reason?: string;
      /** The model asks to run outside the sandbox, with its justification. */
      escalation?: { justification: string } | null;
      /** Set when asking after a sandboxed run failed: may it run again outside the sandbox? */
      failure?: ProcessOutcome;
    }
  | { kind: 'fileChange'; itemId: string; changes: FileUpdateChange[]; reason?: string }
  | {
      kind: 'mcpToolCall';
      itemId: string;
      server: string;
      /** The tool's own name on its server. */
      tool: string;
      arguments: unknown;
      description: string;
      /** The server's hints about the tool (MCP annotations); absent hints are unknown. */
      hints: { readOnly?: boolean; destructive?: boolean; openWorld?: boolean };
    };

export type Authorization =
  | { approved: true; /** run outside the sandbox */ unsandboxed?: boolean }
  | { approved: false; reason: string };

/** Approves everything: for contexts with no one to ask (tests, approval policy "never"). */
export const approveAll = async (): Promise<Authorization> => ({ approved: true });

export type ToolContext = {
  /** Absolute path of the workspace root; file tools are confined to it. */
  cwd: string;
  signal: AbortSignal;
  /** Runs processes (sandboxed or not — the tool does not know). */
  runner: ProcessRunner;
  progress: (event: ToolProgress) => void;
  /** Asks whether the action may go ahead (policy, then the user if the policy says so). */
  authorize: (request: ApprovalRequest) => Promise<Authorization>;
  /** Default timeout for commands, ms. */
  commandTimeoutMs: number;
  /** Budget for the model-facing output of a tool, in bytes (head + tail are kept). */
  outputBudgetBytes: number;
  /**
   * Asks the user for what an MCP server wants mid-call (a form or a URL to visit), as the
   * thread's clients see it. Absent: nobody can answer, and the request is declined.
   */
  elicit?: (ask: {
    itemId: string;
    server: string;
    request: ElicitationRequest;
  }) => Promise<ElicitationResponse>;
  /**
   * May the file tools read this absolute path? The sandbox's hidden paths (credentials,
   * Yoke's state) say no. Absent: everything may be read.
   */
  canRead?: (absolutePath: string) => boolean;
  /** Where read_file and apply_patch read and write text. Absent: the disk, directly. */
  files?: FileAccess;
};

/**
 * The text of files as a surface sees it: an editor's buffers, unsaved changes included. Paths
 * are absolute and already checked by the tool (workspace, hidden paths). Directories, modes,
 * deletions and binary files stay with the disk.
 */
export type FileAccess = {
  readonly name: string;
  /** The file's text; null when there is no such file. */
  readText(path: string): Promise<string | null>;
  /** Replaces the file's text (creates the file; its directory exists). */
  writeText(path: string, content: string): Promise<void>;
};

/** A part of a tool's output: text, or an image (a data: URL) for models that take images. */
export type ToolOutputPart =
  { type: 'input_text'; text: string } | { type: 'input_image'; image_url: string };

export type ToolResult = {
  /** Returned to the model as the call's output: text, or parts when there are images. */
  output: string | ToolOutputPart[];
  /** The thread item as it completes (status, full output…). */
  item: ThreadItem;
};

export type Tool<S extends z.ZodType = z.ZodType> = {
  name: string;
  /** Model-facing description: what the tool does and how to use it well. */
  description: string;
  /** One schema for validation and for the JSON Schema the model sees. */
  schema: S;
  /**
   * The JSON Schema the model sees, when it comes from elsewhere (an MCP server's inputSchema);
   * `schema` then only checks that the arguments are an object.
   */
  parameters?: Record<string, unknown>;
  /** Changes files or runs arbitrary code. Read-only tools may run in parallel. */
  mutating: boolean;
  /** The item shown when the call starts, before execute runs. */
  startItem: (callId: string, args: z.infer<S>, ctx: Pick<ToolContext, 'cwd'>) => ThreadItem;
  /** Runs the call. Throw ToolError for errors the model should see. */
  execute: (callId: string, args: z.infer<S>, ctx: ToolContext) => Promise<ToolResult>;
};

export type { CommandAction, FileUpdateChange };
