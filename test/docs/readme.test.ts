/** The README stays true: its TypeScript snippet is the quickstart a test runs, and its commands exist. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/broker.js";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };

describe("README", () => {
  it("shows the TS quickstart exactly as clients/ts/examples/quickstart.ts (which clients/ts/test/quickstart.test.ts runs)", () => {
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(readFileSync(join(REPO_ROOT, "clients/ts/examples/quickstart.ts"), "utf8"));
  });

  it("names the two quick-start commands, and .ci/run runs the test one exactly", () => {
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("npm ci && npm test");
    expect(readFileSync(join(REPO_ROOT, ".ci/run"), "utf8")).toMatch(/^npm ci && npm test$/m);
    for (const script of ["start", "test", "build", "generate", "example:orders", "bench"]) expect(pkg.scripts[script], script).toBeTruthy();
  });
});
