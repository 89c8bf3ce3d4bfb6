// A thread's ports: what its tools go through, swapped by a surface in this process — an
// editor that offers its buffers, its terminal and MCP servers of its own (`yoke acp`). The
// tools never know: read_file and apply_patch take a FileAccess, commands a ProcessRunner that
// the thread's sandbox still wraps, and the thread's own MCP servers join the configured ones.
// This file is what a surface needs to build them.
import { parseMcpServers, type McpServersConfig } from '../mcp/config.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import type { FileAccess } from '../tools/types.ts';

export type { McpServersConfig } from '../mcp/config.ts';
export type { ProcessOutcome, ProcessRunner, ProcessSpec } from '../sandbox/process-runner.ts';
export { notStarted } from '../sandbox/process-runner.ts';
export type { FileAccess } from '../tools/types.ts';

/** Absent parts: the defaults (the disk, the process's runner, the configured servers only). */
export type ThreadPorts = {
  /** Text reads and writes of read_file and apply_patch. */
  files?: FileAccess;
  /** What starts commands; the thread's sandbox still wraps each one. */
  commands?: ProcessRunner;
  /** MCP servers of this thread only, beside the configured ones (a same name: this one). */
  mcpServers?: McpServersConfig;
};

/**
 * One MCP server from an `[mcp_servers.NAME]`-shaped table (command/args/env, or url and
 * http_headers), checked as config.toml's are. Throws (naming `where`) when it is not valid.
 */
export function mcpServerOf(name: string, entry: Record<string, unknown>, where: string) {
  return parseMcpServers({ [name]: entry }, undefined, { user: where, project: '' }).servers[name]!;
}
