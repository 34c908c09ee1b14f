import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The folder holding package.json, found from this file whether it runs from src/ or dist/src/. */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`faultline: no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot(__dirname);

/** Where an installed package lives, for serving its browser builds (react, react-dom, graphiql). */
export function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`, { paths: [projectRoot] }));
}
