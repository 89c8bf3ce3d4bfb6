// The options a known-safe program may be given, option by option: only those that neither
// write nor run anything. Anything not listed (`sort -o`, `sort --outp=F`, an abbreviation, an
// option added in a later version) makes the command not known-safe, so it is asked about.

export type OptionList = {
  /** Short flags, groupable (`-rn`). */
  flags?: string;
  /** Short options whose value is in the same word or the next one (`-k2`, `-k 2`). */
  withValue?: string;
  /** Short options whose optional value can only be attached (`-M50%`, `-uno`). */
  attached?: string;
  /** Long options, exact names (with `=value` or, when in `longWithValue`, the next word). */
  long?: readonly string[];
  longWithValue?: readonly string[];
};

const words = (s: string) => s.trim().split(/\s+/);

// prettier-ignore
const DIFF_LONG = words(`stat numstat shortstat dirstat summary name-only name-status patch
  no-patch patch-with-stat patch-with-raw raw compact-summary cached staged merge-base no-index
  unified function-context minimal patience histogram anchored diff-algorithm word-diff
  word-diff-regex color no-color color-moved color-words no-renames find-renames find-copies
  find-copies-harder irreversible-delete break-rewrites diff-filter relative no-relative text
  ignore-space-at-eol ignore-space-change ignore-all-space ignore-blank-lines ignore-cr-at-eol
  ignore-submodules ignore-matching-lines inter-hunk-context exit-code quiet no-ext-diff
  no-textconv src-prefix dst-prefix no-prefix default-prefix line-prefix abbrev full-index binary
  submodule check ws-error-highlight indent-heuristic no-indent-heuristic stat-width
  stat-name-width stat-count stat-graph-width cumulative pickaxe-all pickaxe-regex rename-empty
  no-rename-empty`);
// prettier-ignore
const LOG_LONG = words(`oneline pretty format abbrev-commit no-abbrev-commit encoding expand-tabs
  no-expand-tabs notes no-notes relative-date date parents children left-right graph
  show-linear-break max-count skip since after until before author committer grep grep-reflog
  all-match invert-grep regexp-ignore-case basic-regexp extended-regexp fixed-strings
  perl-regexp remove-empty merges no-merges min-parents max-parents no-min-parents
  no-max-parents first-parent not all branches tags remotes glob exclude reflog single-worktree
  ignore-missing cherry-mark cherry-pick left-only right-only cherry walk-reflogs boundary
  simplify-by-decoration full-history dense sparse simplify-merges ancestry-path show-pulls
  topo-order date-order author-date-order reverse no-walk do-walk decorate no-decorate
  decorate-refs decorate-refs-exclude source use-mailmap mailmap no-mailmap no-use-mailmap
  full-diff log-size follow diff-merges combined-all-paths cc dd no-diff-merges`);
const DIFF: OptionList = {
  flags: 'psuzwbRaWc',
  attached: 'UMCBlSGX',
  long: DIFF_LONG,
  longWithValue: ['diff-filter', 'word-diff-regex', 'src-prefix', 'dst-prefix', 'line-prefix'],
};
const LOG: OptionList = {
  flags: 'psuzwbRaWcmtriEFPg',
  attached: 'UMCBlSGX',
  withValue: 'nL',
  long: [...DIFF_LONG, ...LOG_LONG],
  longWithValue: [
    'max-count',
    'skip',
    'since',
    'after',
    'until',
    'before',
    'author',
    'committer',
    'grep',
    'format',
    'pretty',
    'date',
  ],
};

/** The read-only git subcommands and their options (`null`: every option only reads). */
export const GIT_OPTIONS: Record<string, OptionList | null> = {
  status: {
    flags: 'sbvz',
    attached: 'u',
    long: words(`short branch porcelain long verbose untracked-files ignored ignore-submodules
      column no-column ahead-behind no-ahead-behind renames no-renames find-renames null show-stash`),
  },
  diff: DIFF,
  log: LOG,
  show: LOG,
  'rev-parse': null,
  'ls-files': null,
  blame: null,
  branch: {
    flags: 'avrq',
    long: words(`list all remotes verbose show-current contains no-contains merged no-merged
      points-at sort format color no-color column no-column abbrev no-abbrev ignore-case
      omit-empty`),
    longWithValue: [
      'contains',
      'no-contains',
      'merged',
      'no-merged',
      'points-at',
      'sort',
      'format',
    ],
  },
};

/** Programs that only read, and their options (`null`: no option writes or runs anything). */
export const SAFE_PROGRAMS: Record<string, OptionList | null> = {
  ls: null,
  cat: null,
  pwd: null,
  echo: null,
  printf: null,
  head: null,
  tail: null,
  wc: null,
  grep: null,
  true: null,
  false: null,
  which: null,
  stat: null,
  du: null,
  df: null,
  nl: null,
  cut: null,
  tr: null,
  diff: null,
  cmp: null,
  basename: null,
  dirname: null,
  realpath: null,
  readlink: null,
  whoami: null,
  id: null,
  uname: null,
  sort: {
    flags: 'bdfgiMhnRrsuVcCmz',
    withValue: 'ktS',
    long: words(`reverse numeric-sort general-numeric-sort human-numeric-sort month-sort
      version-sort random-sort dictionary-order ignore-case ignore-leading-blanks
      ignore-nonprinting unique stable check merge zero-terminated debug key field-separator
      buffer-size parallel sort random-source files0-from`),
    longWithValue: ['key', 'field-separator', 'buffer-size', 'parallel', 'sort', 'random-source'],
  },
  uniq: {
    flags: 'cdDiuz',
    withValue: 'fsw',
    long: words(`count repeated all-repeated ignore-case unique zero-terminated group skip-fields
      skip-chars check-chars`),
    longWithValue: ['skip-fields', 'skip-chars', 'check-chars'],
  },
  tree: {
    flags: 'adlfxqNQpugshDFvtcUriASnCXJ',
    withValue: 'LPIHT',
    long: words(`gitignore ignore-case matchdirs metafirst prune info noreport dirsfirst
      filesfirst si du inodes device nolinks charset filelimit timefmt sort help version`),
    longWithValue: ['charset', 'filelimit', 'timefmt', 'sort'],
  },
  file: {
    flags: 'bcEhiIkLlNnrsSvzZ0',
    withValue: 'mfFeP',
    long: words(`brief mime mime-type mime-encoding dereference no-dereference no-pad no-buffer
      special-files uncompress uncompress-noreport keep-going raw print0 extension apple
      magic-file files-from separator exclude exclude-quiet parameter help version`),
    longWithValue: [
      'magic-file',
      'files-from',
      'separator',
      'exclude',
      'exclude-quiet',
      'parameter',
    ],
  },
  rg: {
    flags: 'iSswxvnNlcouFUHIabLPq0',
    withValue: 'egtTABCmMrEjd',
    long: words(`hidden no-ignore files json type-list glob iglob line-number no-line-number
      no-heading heading color colors vimgrep count count-matches files-with-matches
      files-without-match fixed-strings word-regexp line-regexp ignore-case smart-case
      case-sensitive multiline multiline-dotall max-count max-depth sort sortr type type-not
      replace context after-context before-context max-columns max-columns-preview trim null
      stats debug follow pcre2 no-messages invert-match only-matching quiet text binary
      no-config column byte-offset passthru no-filename with-filename path-separator encoding
      max-filesize threads ignore-file no-ignore-vcs no-ignore-parent no-ignore-dot
      no-ignore-global no-ignore-exclude unrestricted regexp field-match-separator
      field-context-separator context-separator no-context-separator crlf null-data`),
    longWithValue: [
      'glob',
      'iglob',
      'max-count',
      'max-depth',
      'sort',
      'sortr',
      'type',
      'type-not',
      'replace',
      'context',
      'after-context',
      'before-context',
      'max-columns',
      'encoding',
      'max-filesize',
      'threads',
      'ignore-file',
      'regexp',
      'color',
      'colors',
      'path-separator',
    ],
  },
};

/** find: tests and actions that only read and print (the value-taking ones with their arity). */
// prettier-ignore
export const FIND_PRIMARIES: Record<string, number> = Object.fromEntries([
  ...words(`-print -print0 -ls -not ! -o -a -and -or ( ) , -prune -follow -xdev -mount -depth
    -empty -readable -writable -executable -true -false -quit -nouser -nogroup -daystart
    -noleaf -ignore_readdir_race -noignore_readdir_race`).map((p) => [p, 0]),
  ...words(`-name -iname -path -ipath -wholename -iwholename -lname -ilname -regex -iregex -type
    -xtype -maxdepth -mindepth -size -mtime -mmin -atime -amin -ctime -cmin -newer -anewer
    -cnewer -used -perm -user -group -uid -gid -links -samefile -inum -regextype -printf -fstype
    -context -newermm -newerma -newermc -newerat -neweram -newerac -newerct -newercm -newerca
    -newermt -newerat -newerct`).map((p) => [p, 1]),
]);
