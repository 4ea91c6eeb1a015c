/**
 * The Node.js the command needs (package.json's engines.node; test/unit/node-version.test.ts holds
 * the two together). npm only warns (EBADENGINE) when the package is installed on an older Node, and
 * the program would then stop at its first newer API with a SyntaxError and a stack trace, so
 * cli/main.ts checks first and says what is wrong instead. Imports nothing: it must load on any Node.
 */
export const REQUIRED_NODE_MAJOR = 24;

/** Why this Node cannot run the command, or undefined when it can. */
export function nodeVersionProblem(version: string, execPath: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (Number.isInteger(major) && major >= REQUIRED_NODE_MAJOR) return undefined;
  return `captcha-runway needs Node.js ${REQUIRED_NODE_MAJOR} or later; this is Node.js ${version} (${execPath}). Install Node.js ${REQUIRED_NODE_MAJOR} and run it with that, or use the container image.`;
}
