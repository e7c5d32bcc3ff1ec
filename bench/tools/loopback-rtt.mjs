// Round trip of one byte over loopback TCP between two processes, with the machine idle
// and with a low-priority spinner keeping both vCPUs awake: the difference is what it
// costs to wake an idle vCPU, paid several times by every unary call at concurrency 1.
// Run: node bench/tools/loopback-rtt.mjs
import { spawn } from "node:child_process";
import net from "node:net";

const ROUNDS = 5000;
if (process.argv[2] === "echo") {
  const server = net.createServer((s) => s.on("data", (d) => s.write(d))).listen(0, "127.0.0.1", () => console.log(server.address().port));
} else {
  const echo = spawn(process.execPath, [import.meta.filename, "echo"], { stdio: ["ignore", "pipe", "inherit"] });
  const port = Number(await new Promise((r) => echo.stdout.once("data", (d) => r(String(d).trim()))));
  const rtt = () =>
    new Promise((resolve) => {
      const c = net.connect(port, "127.0.0.1", () => {
        let n = 0;
        const t0 = performance.now();
        c.on("data", () => {
          if (++n < ROUNDS) return void c.write("x");
          c.destroy();
          resolve((((performance.now() - t0) / n) * 1000).toFixed(0));
        });
        c.write("x");
      });
    });
  console.log(`idle machine:          ${await rtt()} µs per round trip`);
  const spinner = spawn("nice", ["-n", "19", process.execPath, "-e", "for(;;){}"], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 300));
  console.log(`vCPUs kept awake:      ${await rtt()} µs per round trip`);
  spinner.kill();
  echo.kill();
}
