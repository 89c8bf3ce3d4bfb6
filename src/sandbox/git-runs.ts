// What a git command runs besides itself. Global options are seen through (`git -C . push` is
// `git push`), aliases given with `-c alias.NAME=…` are expanded, other `-c` settings that run
// programs are opaque, a subcommand git does not know may be an alias from a configuration file
// (opaque), and subcommand options that run commands (`rebase --exec`, `bisect run`,
// `submodule foreach`, `--upload-pack`…) are read as commands. See exec-runs.ts.
import { commandRun, opaque, scriptRun, type Run } from './exec-run.ts';
import { optionValues } from './option-values.ts';
import type { Word } from './shell-parse.ts';

/** Global options that take the next word as their value. */
const GLOBAL_WITH_ARG = new Set([
  '-C',
  '-c',
  '--git-dir',
  '--work-tree',
  '--namespace',
  '--super-prefix',
  '--config-env',
  '--list-cmds',
]);
/** Global options that only change where or how git works. */
const GLOBAL_FLAGS = new Set([
  '-p',
  '-P',
  '--paginate',
  '--no-pager',
  '--bare',
  '--no-replace-objects',
  '--literal-pathspecs',
  '--glob-pathspecs',
  '--noglob-pathspecs',
  '--icase-pathspecs',
  '--no-optional-locks',
  '--no-advice',
  '--no-lazy-fetch',
]);
/** `-c` settings that run nothing. */
const HARMLESS_CONFIG =
  /^(user\.\w+|color\..*|advice\..*|core\.(quotepath|abbrev|autocrlf|safecrlf|filemode|ignorecase|precomposeunicode)|init\.defaultbranch|safe\.directory|commit\.gpgsign|tag\.gpgsign|log\.\w+|format\.pretty|pull\.(rebase|ff)|push\.default|merge\.ff|diff\.(noprefix|renames|algorithm|mnemonicprefix)|status\.\w+|column\.\w+|i18n\.\w+|gc\.auto\w*|maintenance\.auto)$/i;

// prettier-ignore
const BUILTINS = new Set(`add am annotate apply archive bisect blame branch bugreport bundle cat-file
check-attr check-ignore check-mailmap check-ref-format checkout checkout-index cherry cherry-pick
clean clone column commit commit-graph commit-tree config count-objects credential
credential-cache credential-store daemon describe diagnose diff diff-files diff-index diff-tree
difftool fast-export fast-import fetch fetch-pack filter-branch fmt-merge-msg for-each-ref
for-each-repo format-patch fsck gc get-tar-commit-id grep gui hash-object help hook http-backend
index-pack init init-db instaweb interpret-trailers lfs log ls-files ls-remote ls-tree mailinfo
mailsplit maintenance merge merge-base merge-file merge-index merge-tree mergetool mktag mktree
multi-pack-index mv name-rev notes pack-objects pack-redundant pack-refs patch-id prune
prune-packed pull push range-diff read-tree rebase receive-pack reflog remote repack replace
request-pull rerere reset restore rev-list rev-parse revert rm send-email send-pack shortlog show
show-branch show-index show-ref sparse-checkout stage stash status stripspace submodule switch
symbolic-ref tag unpack-file unpack-objects update-index update-ref update-server-info
upload-archive upload-pack var verify-commit verify-pack verify-tag version whatchanged worktree
write-tree`.split(/\s+/));

/** Subcommand options whose value is a command line. */
const SCRIPT_OPTIONS: Record<string, { short?: string; long: string[] }> = {
  rebase: { short: 'x', long: ['exec'] },
  difftool: { short: 'x', long: ['extcmd'] },
  fetch: { long: ['upload-pack'] },
  pull: { long: ['upload-pack'] },
  clone: { short: 'u', long: ['upload-pack'] },
  'ls-remote': { long: ['upload-pack', 'exec'] },
  archive: { long: ['exec'] },
  push: { long: ['receive-pack', 'exec'] },
  grep: { short: 'O', long: ['open-files-in-pager'] },
  'send-email': { long: ['sendmail-cmd', 'smtp-server'] },
  'filter-branch': {
    long: [
      'env-filter',
      'tree-filter',
      'index-filter',
      'parent-filter',
      'msg-filter',
      'commit-filter',
      'tag-name-filter',
    ],
  },
};

const MAX_ALIASES = 8;

/** What `git ARGS` runs besides itself. */
export function gitRuns(args: Word[]): Run[] {
  const runs: Run[] = [];
  const aliases = new Map<string, Word>();
  let i = 0;
  let global = false;
  for (; i < args.length; i++) {
    const word = args[i]!;
    if (word.dynamic) return [opaque('a git option is only known at run time')];
    const [name, inline] = splitOption(word.text);
    if (!name.startsWith('-')) break;
    global = true;
    if (GLOBAL_FLAGS.has(name)) continue;
    if (name === '--exec-path' && inline === undefined) continue; // prints the path
    if (!GLOBAL_WITH_ARG.has(name)) return [opaque(`git ${name} may change what git runs`)];
    const value = inline === undefined ? args[++i] : { text: inline, dynamic: word.dynamic };
    if (!value) return runs;
    if (name === '-c') runs.push(...configRuns(value, aliases));
    if (name === '--config-env')
      runs.push(opaque('git --config-env takes a setting from the environment'));
  }
  let sub: Word | undefined = args[i];
  let rest = args.slice(i + 1);
  if (!sub) return runs;
  // -c alias.NAME=…: the alias is what runs (it may name another alias); git's own commands
  // cannot be redefined.
  for (let n = 0; n < MAX_ALIASES && sub && !BUILTINS.has(sub.text) && aliases.has(sub.text); n++) {
    const value: Word = aliases.get(sub.text)!;
    if (value.dynamic) return [...runs, opaque('a git alias is only known at run time')];
    if (value.text.startsWith('!')) {
      const script = [value.text.slice(1), ...rest.map((w) => quote(w.text))].join(' ');
      return [
        ...runs,
        scriptRun({ text: script, dynamic: rest.some((w) => w.dynamic) }, 'a git alias'),
      ];
    }
    const words: Word[] = value.text
      .split(/\s+/)
      .filter(Boolean)
      .map((text: string) => ({ text, dynamic: false }));
    sub = words[0];
    rest = [...words.slice(1), ...rest];
    global = true;
  }
  if (!sub) return runs;
  // What it really runs, as `git SUB …`: the rules see `git -C . push` as `git push`.
  if (global) return [...runs, commandRun([{ text: 'git', dynamic: false }, sub, ...rest])];
  if (sub.dynamic) return runs; // matched as a computed word by the rules
  if (!BUILTINS.has(sub.text))
    return [
      opaque(`git ${sub.text} is not a git command: it may be an alias from a configuration file`),
    ];
  return subcommandRuns(sub.text, rest);
}

function subcommandRuns(sub: string, rest: Word[]): Run[] {
  const runs: Run[] = [];
  const options = SCRIPT_OPTIONS[sub];
  if (options)
    runs.push(
      ...optionValues(rest, options).map((v) => scriptRun(v, `the command given to git ${sub}`)),
    );
  if (sub === 'bisect' && rest[0]?.text === 'run' && rest.length > 1)
    runs.push(commandRun(rest.slice(1)));
  if (sub === 'submodule' && rest[0]?.text === 'foreach') {
    const command = rest.slice(1).filter((w) => !/^(--recursive|-q|--quiet)$/.test(w.text));
    if (command.length > 0)
      runs.push(
        scriptRun(
          { text: command.map((w) => w.text).join(' '), dynamic: command.some((w) => w.dynamic) },
          'the foreach command',
        ),
      );
  }
  return runs;
}

/** `-c KEY=VALUE`: an alias to remember, a harmless setting, or one that may run a program. */
function configRuns(setting: Word, aliases: Map<string, Word>): Run[] {
  const eq = setting.text.indexOf('=');
  const key = eq < 0 ? setting.text : setting.text.slice(0, eq);
  const value = { text: eq < 0 ? 'true' : setting.text.slice(eq + 1), dynamic: setting.dynamic };
  const alias = /^alias\.(.+)$/i.exec(key);
  if (alias) {
    aliases.set(alias[1]!, value);
    return [];
  }
  if (HARMLESS_CONFIG.test(key)) return [];
  return [opaque(`git -c ${key} may make git run a program`)];
}

function splitOption(text: string): [string, string | undefined] {
  if (!text.startsWith('--')) return [text, undefined];
  const eq = text.indexOf('=');
  return eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
}

function quote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
