/**
 * Which part of a field an issue is about, in the form's words: "Argument 2" for `args[1]`, the variable's
 * name for `env.TOKEN` (also under `mcpServers.<name>.`). Never the config path itself.
 */
export function partOf(path: string): string | undefined {
  const argument = /(?:^|\.)args(?:\[(\d+)\]|\.(\d+))$/.exec(path);
  if (argument) return `Argument ${Number(argument[1] ?? argument[2]) + 1}`;
  const variable = /(?:^|\.)env(?:\.([^.[\]]+)|\["([^"]+)"\])$/.exec(path);
  if (variable) return variable[1] ?? variable[2];
  return undefined;
}
