/**
 * Shell completion scripts for dmctl, generated from the commander tree (so a new command or
 * flag completes without touching this file). Pure: `completionTree` reads the program,
 * `bashCompletion`/`zshCompletion` print a script. Completes command names, one level of
 * subcommands (`binlog skip`, `config task`, …) and the flags of the command being typed;
 * other words fall back to file names (task and source configs).
 */
import type { Command } from 'commander';

export interface CompletionNode {
  name: string;
  /** Long and short flags, e.g. `--source`, `-s`. */
  flags: string[];
  subcommands: CompletionNode[];
}

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** The tree of visible commands and their flags. */
export function completionTree(cmd: Command): CompletionNode {
  const flags = cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f));
  return {
    name: cmd.name(),
    flags: [...flags, '--help'],
    subcommands: cmd.commands
      .filter((c) => !(c as unknown as { _hidden?: boolean })._hidden)
      .map(completionTree),
  };
}

const words = (xs: string[]): string => xs.join(' ');

/** A bash `complete -F` script. */
export function bashCompletion(tree: CompletionNode): string {
  const cases: string[] = [];
  for (const c of tree.subcommands) {
    const subs = c.subcommands.map((s) => s.name);
    cases.push(`    ${c.name}) cmds="${words(subs)}"; flags="${words(c.flags)}" ;;`);
    for (const s of c.subcommands) {
      cases.push(`    "${c.name} ${s.name}") cmds=""; flags="${words(s.flags)}" ;;`);
    }
  }
  return `# bash completion for dmctl. Load with: source <(dmctl completion bash)
_dmctl() {
  local cur path cmds flags w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  # The command path: the words before the cursor that are not flags or flag values.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      --config|--master-addr|--rpc-timeout|--ssl-ca|--ssl-cert|--ssl-key) ((i++)) ;;
      -*) ;;
      *) if [[ -z "$path" ]]; then path="$w"; elif [[ "$path" != *" "* ]]; then path="$path $w"; fi ;;
    esac
  done
  case "$path" in
    "") cmds="${words(tree.subcommands.map((c) => c.name))}"; flags="${words(tree.flags)}" ;;
${cases.join('\n')}
    *) cmds=""; flags="" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
  elif [[ -n "$cmds" ]]; then
    COMPREPLY=( $(compgen -W "$cmds" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o default -F _dmctl dmctl
`;
}

/** A zsh script: bash's through `bashcompinit`, the way many CLIs ship one script for both. */
export function zshCompletion(tree: CompletionNode): string {
  return `#compdef dmctl
# zsh completion for dmctl. Load with: source <(dmctl completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(tree).replace(/^# bash completion.*\n/, '')}`;
}
