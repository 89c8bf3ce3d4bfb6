// The built-in tools, in the fixed order the model sees them (a stable order keeps the
// prompt-cache prefix stable), and the one place arguments are parsed.
import * as z from 'zod';
import { applyPatchTool } from './apply-patch.ts';
import { grepTool } from './grep.ts';
import { listDirTool } from './list-dir.ts';
import { readFileTool } from './read-file.ts';
import { shellTool } from './shell.ts';
import type { Tool } from './types.ts';
import { updatePlanTool } from './update-plan.ts';

export function builtinTools(): Tool[] {
  return [shellTool, applyPatchTool, readFileTool, listDirTool, grepTool, updatePlanTool] as Tool[];
}

export type ToolSchemaSpec = {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
};

const specCache = new WeakMap<Tool, ToolSchemaSpec>();

/** The model-facing declaration of a tool: name, description, JSON Schema of the arguments. */
export function toolSpec(tool: Tool): ToolSchemaSpec {
  let spec = specCache.get(tool);
  if (!spec) {
    const { $schema: _ignored, ...parameters } =
      tool.parameters ?? (z.toJSONSchema(tool.schema, { io: 'input' }) as Record<string, unknown>);
    spec = { name: tool.name, description: tool.description, parameters };
    specCache.set(tool, spec);
  }
  return spec;
}

export type ParsedArgs = { ok: true; args: unknown } | { ok: false; error: string };

/** Parses a call's raw JSON arguments; errors are phrased for the model to correct itself. */
export function parseToolArgs(tool: Tool, raw: string): ParsedArgs {
  let json: unknown;
  try {
    json = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (err) {
    return {
      ok: false,
      error: `invalid arguments for ${tool.name}: not valid JSON (${(err as Error).message}). Send a JSON object matching the tool's schema.`,
    };
  }
  const result = tool.schema.safeParse(json);
  if (result.success) return { ok: true, args: result.data };
  const problems = result.error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(arguments)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, error: `invalid arguments for ${tool.name}: ${problems}` };
}
