// The screen: the last screenful of the transcript, then (when asked) an approval or the
// thread picker, the rule, the prompt and the status line — pinned to the bottom and exactly
// one row shorter than the terminal, so Ink updates lines in place instead of repainting.
import { Box, Text, useApp, useInput, useStdout, type Key } from 'ink';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { TuiController } from './controller.ts';
import { errorText } from './state.ts';
import {
  EMPTY_EDITOR,
  editInput,
  editorWith,
  InputHistory,
  inputRows,
  type EditorState,
  type InputRow,
} from './input-editor.ts';
import { approvalPanel, pickerLines, ruleLine, separatorLine, statusLine } from './panels.ts';
import { backspace, enter, startFill, typeInto, type FormFill } from './form-fill.ts';
import { modelPickerLines } from './model-picker.ts';
import { cancelPicker, choosePicked, movePicker } from './slash-commands.ts';
import { completionOf, popupLines, POPUP_HINT, slashMatches } from './slash-popup.ts';
import { visibleLines, type Line, type Tone } from './transcript-lines.ts';

export type AppProps = {
  controller: TuiController;
  /** Fixed size (tests); by default the terminal's, following resizes. */
  columns?: number;
  rows?: number;
};

const MAX_INPUT_ROWS = 5;

export function App({ controller, columns, rows }: AppProps) {
  const state = useSyncExternalStore(controller.subscribe, controller.getState);
  const { exit } = useApp();
  const size = useTerminalSize(columns, rows);
  const [editor, setEditorState] = useState<EditorState>(EMPTY_EDITOR);
  const editorRef = useRef(editor);
  const [scroll, setScroll] = useState(0);
  const history = useRef(new InputHistory());
  // The slash popup: the chosen row, and the text it was closed for with Esc.
  const [chosen, setChosenState] = useState(0);
  const chosenRef = useRef(0);
  const [dismissed, setDismissedState] = useState<string | null>(null);
  const dismissedRef = useRef<string | null>(null);
  const setChosen = (n: number) => {
    chosenRef.current = n;
    setChosenState(n);
  };
  const setDismissed = (text: string | null) => {
    dismissedRef.current = text;
    setDismissedState(text);
  };
  const [approvalScroll, setApprovalScroll] = useState(0);
  const clock = controller.clock;
  const [, setTick] = useState(0);

  useEffect(() => {
    if (state.exiting) exit();
  }, [state.exiting, exit]);
  // While a turn runs, the elapsed time on the working line moves once a second.
  const busy = state.starting || state.turnId !== null;
  useEffect(
    () => (busy ? clock.every(1000, () => setTick((n) => n + 1)) : undefined),
    [busy, clock],
  );

  const width = Math.max(20, size.columns);
  const height = Math.max(8, size.rows - 1);
  const prompt = state.approvals[0];
  useEffect(() => setApprovalScroll(0), [prompt?.key]);
  // An MCP server's form being filled in (read through the ref: keys outrun renders).
  const [fill, setFillState] = useState<FormFill | null>(null);
  const fillRef = useRef<FormFill | null>(null);
  const setFill = (next: FormFill | null) => {
    fillRef.current = next;
    setFillState(next);
  };
  const filling = fill && fill.key === prompt?.key ? fill : null;
  const matches =
    prompt || state.picker || dismissed === editor.text ? null : slashMatches(editor.text);
  const selected = matches ? Math.min(chosen, Math.max(0, matches.length - 1)) : 0;
  const panelRows = Math.max(4, Math.floor(height / 2));
  // A question gets most of the screen: the transcript keeps a few rows above it.
  const approval = prompt
    ? approvalPanel(
        prompt,
        width,
        Math.max(4, height - 8),
        state.session?.cwd ?? '',
        approvalScroll,
        filling,
      )
    : null;
  const approvalMax = useRef(0);
  approvalMax.current = approval?.maxScroll ?? 0;
  const panel = approval
    ? approval.lines
    : state.picker?.kind === 'models'
      ? modelPickerLines(state.picker, width, panelRows)
      : state.picker
        ? pickerLines(
            state.picker,
            width,
            panelRows,
            clock.now(),
            state.session?.cwd ?? controller.startParams.cwd,
          )
        : matches
          ? popupLines(matches, selected, width, panelRows, editor.text)
          : [];
  const input = inputRows(editor, width - 2, MAX_INPUT_ROWS);
  const transcriptRows = Math.max(1, height - panel.length - input.length - 2);
  const awaiting = useMemo(() => new Set(state.approvals.map((a) => a.itemId)), [state.approvals]);
  const view = visibleLines(
    state.entries,
    { width, cwd: state.session?.cwd ?? '', awaiting },
    transcriptRows,
    scroll,
  );
  useEffect(() => {
    if (view.scroll !== scroll) setScroll(view.scroll);
  }, [view.scroll, scroll]);

  const setEditor = (next: EditorState) => {
    if (next.text !== editorRef.current.text) setChosen(0);
    editorRef.current = next;
    setEditorState(next);
  };
  const submit = (message: string) => {
    history.current.push(message);
    setEditor(EMPTY_EDITOR);
    setScroll(0);
    void controller.submit(message);
  };

  useInput((text: string, key: Key) => {
    // Read the controller, not `state`: several keys can arrive before the next render.
    const current = controller.getState();
    const ctrlC = key.ctrl && text === 'c';
    const asked = current.approvals[0];
    if (asked?.kind === 'mcp' && asked.form.length > 0) {
      const current = fillRef.current?.key === asked.key ? fillRef.current : null;
      if (current) {
        if (ctrlC) return controller.answer('cancel');
        if (key.escape) return setFill(null);
        if (key.backspace || key.delete) return setFill(backspace(current));
        const typedThenEnter = !key.return && text.length > 1 && text.endsWith('\r');
        const typed = key.return ? current : typeInto(current, text);
        if (!key.return && !typedThenEnter) return setFill(typed);
        const next = enter(typed, asked.form);
        if ('fill' in next) return setFill(next.fill);
        setFill(null);
        return controller.answer(next.done);
      }
      if (ctrlC || key.escape) return controller.answer('cancel');
      const k = text.length === 1 ? text.toLowerCase() : '';
      if (k === 'y') setFill(startFill(asked.key));
      else if (k === 'n') controller.answer('decline');
      return;
    }
    if (asked) {
      if (ctrlC || key.escape) return controller.answer('cancel');
      const scrollBy = key.upArrow
        ? -1
        : key.downArrow
          ? 1
          : key.pageUp
            ? -5
            : key.pageDown
              ? 5
              : 0;
      if (scrollBy)
        return setApprovalScroll((s) => Math.max(0, Math.min(approvalMax.current, s + scrollBy)));
      // One key per answer; a multi-character read (a paste) answers nothing.
      const k = text.length === 1 ? text.toLowerCase() : '';
      if (k === 'y') controller.answer('accept');
      else if (k === 'a') controller.answer('acceptForSession');
      else if (k === 'n') controller.answer('decline');
      else if (k === 'r' && asked.kind === 'command' && asked.amendment)
        controller.answer({
          acceptWithExecpolicyAmendment: { execpolicy_amendment: asked.amendment },
        });
      return;
    }
    if (current.picker) {
      const fail = (err: unknown) => controller.note(errorText(err), 'error');
      if (key.upArrow) movePicker(controller, -1);
      else if (key.downArrow) movePicker(controller, 1);
      else if (key.pageUp) movePicker(controller, -10);
      else if (key.pageDown) movePicker(controller, 10);
      else if (key.return) void choosePicked(controller).catch(fail);
      else if (key.escape || ctrlC) void cancelPicker(controller).catch(fail);
      return;
    }
    if (ctrlC) {
      if (controller.interrupt()) return;
      if (editorRef.current.text) {
        setEditor(EMPTY_EDITOR);
        return controller.disarm();
      }
      return controller.ctrlCWhenIdle();
    }
    controller.disarm();
    const typed = editorRef.current.text;
    const popup = dismissedRef.current === typed ? null : slashMatches(typed);
    const pick = popup?.[Math.min(chosenRef.current, popup.length - 1)];
    if (popup && key.escape) return setDismissed(typed);
    if (key.escape) {
      controller.interrupt();
      return;
    }
    if (popup && popup.length > 0 && (key.upArrow || key.downArrow)) {
      const n = popup.length;
      return setChosen((chosenRef.current + (key.upArrow ? n - 1 : 1)) % n);
    }
    if (key.tab) {
      if (pick) setEditor(editorWith(completionOf(pick)));
      return;
    }
    if (key.return && pick) return submit(`/${pick.name}`);
    if (key.ctrl && text === 'd' && !editorRef.current.text) return controller.exit();
    const page = Math.max(1, transcriptRows - 2);
    if (key.pageUp) return setScroll((s) => s + page);
    if (key.pageDown) return setScroll((s) => Math.max(0, s - page));
    if (key.upArrow || key.downArrow) {
      const recalled = key.upArrow
        ? history.current.older(editorRef.current.text)
        : history.current.newer();
      if (recalled !== null) setEditor(editorWith(recalled));
      return;
    }
    // Fast typing can arrive as one read with Enter at its end ("fix it\r"): the text, then
    // Enter. A \r inside a read is a pasted line break and stays in the message.
    const typedThenEnter = !key.return && text.length > 1 && text.endsWith('\r');
    const next = key.return
      ? null
      : editInput(editorRef.current, typedThenEnter ? text.slice(0, -1) : text, key);
    if (next) setEditor(next);
    if (key.return || typedThenEnter) {
      const message = editorRef.current.text;
      if (message.trim()) submit(message);
    }
  });

  const padding = transcriptRows - view.lines.length;
  const showCursor = !prompt && !state.picker;
  return (
    <Box flexDirection="column" width={width} height={height}>
      {Array.from({ length: padding }, (_, i) => (
        <Text key={`pad${i}`}> </Text>
      ))}
      {view.lines.map((line, i) => (
        <LineView key={`t${i}`} line={line} />
      ))}
      {panel.map((line, i) => (
        <LineView key={`p${i}`} line={line} />
      ))}
      <LineView
        line={
          matches?.length
            ? ruleLine(POPUP_HINT, width, 'accent')
            : separatorLine(state, width, view.scroll > 0, clock.now())
        }
      />
      {input.map((row, i) => (
        <InputLine
          key={`i${i}`}
          row={row}
          first={i === 0}
          cursor={showCursor}
          placeholder={i === 0 && !editor.text && !state.turnId ? placeholderFor(state) : ''}
        />
      ))}
      <LineView line={statusLine(state, width)} />
    </Box>
  );
}

function placeholderFor(state: ReturnType<TuiController['getState']>): string {
  return state.session ? 'ask Yoke to do something; /help for commands' : '';
}

function LineView({ line }: { line: Line }) {
  return (
    <Text wrap="truncate-end" bold={line.bold ?? false} {...toneProps(line.tone)}>
      {line.spans?.length
        ? line.spans.map((span, i) => (
            <Text
              key={i}
              {...toneProps(span.tone ?? line.tone)}
              bold={span.bold ?? line.bold ?? false}
              italic={span.italic ?? false}
              underline={span.underline ?? false}
              strikethrough={span.strike ?? false}
            >
              {span.text}
            </Text>
          ))
        : line.text || ' '}
    </Text>
  );
}

function InputLine(props: { row: InputRow; first: boolean; cursor: boolean; placeholder: string }) {
  const { row, first, cursor, placeholder } = props;
  return (
    <Text wrap="truncate-end">
      <Text color="cyan" bold>
        {first ? '> ' : '  '}
      </Text>
      {row.before}
      {row.cursor !== null && (cursor ? <Text inverse>{row.cursor}</Text> : row.cursor)}
      {row.after}
      {placeholder && <Text dimColor>{placeholder}</Text>}
    </Text>
  );
}

function toneProps(tone: Tone): { color?: string; dimColor?: boolean } {
  switch (tone) {
    case 'plain':
      return {};
    case 'dim':
      return { dimColor: true };
    case 'user':
    case 'hunk':
      return { color: 'cyan' };
    case 'command':
    case 'warn':
      return { color: 'yellow' };
    case 'ok':
    case 'add':
      return { color: 'green' };
    case 'error':
    case 'del':
      return { color: 'red' };
    case 'accent':
    case 'keyword':
      return { color: 'magenta' };
    case 'code':
    case 'type':
      return { color: 'cyan' };
    case 'link':
    case 'title':
      return { color: 'blue' };
    case 'string':
      return { color: 'green' };
    case 'number':
      return { color: 'yellow' };
    case 'comment':
      return { color: 'gray' };
  }
}

/** The terminal's size, following resizes; fixed when the props give one. */
function useTerminalSize(columns?: number, rows?: number): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => readSize(stdout));
  useEffect(() => {
    const onResize = () => setSize(readSize(stdout));
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);
  return { columns: columns ?? size.columns, rows: rows ?? size.rows };
}

function readSize(stdout: NodeJS.WriteStream): { columns: number; rows: number } {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}
