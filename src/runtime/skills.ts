// Skills as Codex and Claude Code lay them out: a folder holding a SKILL.md whose front matter
// names the skill and says when to use it. Yoke reads $YOKE_HOME/skills/* (scope "user") and
// <cwd>/.yoke/skills/* (scope "repo"); a repo skill with a user skill's name wins.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Skill = {
  name: string;
  description: string;
  shortDescription: string | null;
  /** The SKILL.md file. */
  path: string;
  scope: 'user' | 'repo';
};

export type SkillProblem = { path: string; message: string };

const MAX_FRONT_MATTER = 16 * 1024;

/** The skills seen from `cwd`, sorted by name, and the SKILL.md files that could not be read. */
export function discoverSkills(
  home: string,
  cwd: string,
): { skills: Skill[]; errors: SkillProblem[] } {
  const byName = new Map<string, Skill>();
  const errors: SkillProblem[] = [];
  const roots: [string, Skill['scope']][] = [
    [join(home, 'skills'), 'user'],
    [join(cwd, '.yoke', 'skills'), 'repo'],
  ];
  for (const [root, scope] of roots) {
    let entries: string[];
    try {
      entries = readdirSync(root).sort();
    } catch {
      continue; // no such folder: no skills there
    }
    for (const entry of entries) {
      const path = join(root, entry, 'SKILL.md');
      let text: string;
      try {
        text = readFileSync(path, 'utf8').slice(0, MAX_FRONT_MATTER);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') errors.push({ path, message: String(code) });
        continue;
      }
      const fields = frontMatter(text);
      const name = fields?.name;
      const description = fields?.description;
      if (!name || !description) {
        errors.push({ path, message: 'SKILL.md needs front matter with name and description' });
        continue;
      }
      byName.set(name, {
        name,
        description,
        shortDescription: fields['short-description'] ?? fields.short_description ?? null,
        path,
        scope,
      });
    }
  }
  const skills = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { skills, errors };
}

/** The `key: value` lines between the leading `---` fences (quotes removed); null: none. */
export function frontMatter(text: string): Record<string, string> | null {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== '---') return null;
  const fields: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    if (line.trim() === '---') return fields;
    const match = /^([A-Za-z][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!match) continue;
    const value = match[2]!.trim();
    fields[match[1]!] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return null; // no closing fence
}
