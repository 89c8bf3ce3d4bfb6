// A thread's history a page at a time (thread/turns/list, thread/items/list: what Codex clients
// use instead of thread/read includeTurns), its read state, and the per-thread lists a Codex
// client asks for on resume (goal, background terminals). Codex App Server v2 shapes.
import * as z from 'zod';
import { ThreadItem } from './items.ts';
import { def } from './method-def.ts';
import { Turn } from './thread.ts';

export const SortDirection = z.enum(['asc', 'desc']);
export const TurnItemsView = z.enum(['notLoaded', 'summary', 'full']);

const Limit = z.number().int().min(0).max(0xffffffff).nullable().optional();
const ThreadId = { threadId: z.string() };

/** A page of turns; `backwardsCursor` continues in the other direction. */
export const TurnsPage = z.object({
  data: z.array(Turn),
  nextCursor: z.string().nullable(),
  backwardsCursor: z.string().nullable(),
});
export type TurnsPage = z.infer<typeof TurnsPage>;

/** What thread/resume's `initialTurnsPage` asks for: the first page of thread/turns/list. */
export const InitialTurnsPageParams = z.object({
  limit: Limit,
  sortDirection: SortDirection.nullable().optional(),
  itemsView: TurnItemsView.nullable().optional(),
});

export const ThreadItemEntry = z.object({
  turnId: z.string(),
  item: ThreadItem,
  startedAtMs: z.number().int().nullable().optional(),
  completedAtMs: z.number().int().nullable().optional(),
});

export const ThreadUnreadPosition = z.discriminatedUnion('type', [
  z.object({ type: z.literal('threadStart') }),
  z.object({ type: z.literal('turn'), turnId: z.string() }),
]);

export const ThreadReadState = z.object({
  firstUnread: ThreadUnreadPosition.nullable(),
  revision: z.string(),
});
export type ThreadReadState = z.infer<typeof ThreadReadState>;

export const historyMethods = {
  'thread/turns/list': def(
    'clientRequest',
    'Pages through the turns of a thread, newest first by default. itemsView: summary (the ' +
      'default) keeps the user message and final answer of each turn, full every item, ' +
      'notLoaded none.',
    () =>
      z.object({
        ...ThreadId,
        cursor: z.string().nullable().optional(),
        limit: Limit,
        sortDirection: SortDirection.nullable().optional(),
        itemsView: TurnItemsView.nullable().optional(),
      }),
    () => TurnsPage,
  ),
  'thread/items/list': def(
    'clientRequest',
    'Pages through the items of a thread (or of one turn), oldest first by default. The ' +
      'cursor is an opaque string or an item anchor {type:"item", itemId} in that turn.',
    () =>
      z.object({
        ...ThreadId,
        turnId: z.string().nullable().optional(),
        cursor: z
          .union([z.string(), z.object({ type: z.literal('item'), itemId: z.string() })])
          .nullable()
          .optional(),
        limit: Limit,
        sortDirection: SortDirection.nullable().optional(),
      }),
    () =>
      z.object({
        data: z.array(ThreadItemEntry),
        nextCursor: z.string().nullable(),
        backwardsCursor: z.string().nullable(),
      }),
  ),
  'thread/readState/update': def(
    'clientRequest',
    'Marks a thread read or unread. expectedRevision must be the revision the caller saw ' +
      '(the thread’s newest turn id, or "" for a thread with none); otherwise it is refused.',
    () =>
      z.object({
        ...ThreadId,
        expectedRevision: z.string(),
        operation: z.discriminatedUnion('type', [
          z.object({ type: z.literal('read') }),
          z.object({ type: z.literal('unread') }),
        ]),
      }),
    () => z.object({ readState: ThreadReadState }),
  ),
  'thread/goal/get': def(
    'clientRequest',
    'The goal of a thread (Yoke threads have none: null).',
    () => z.object(ThreadId),
    () => z.object({ goal: z.null() }),
  ),
  'thread/backgroundTerminals/list': def(
    'clientRequest',
    'Commands of the thread still running in the background (Yoke commands end with their ' +
      'tool call, so none).',
    () => z.object({ ...ThreadId, cursor: z.string().nullable().optional(), limit: Limit }),
    () => z.object({ data: z.array(z.unknown()), nextCursor: z.string().nullable() }),
  ),
} as const;
