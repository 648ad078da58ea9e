// Real servers for end-to-end tests, on 127.0.0.1 only: a free port, a started tool whose output is kept for the
// failure message, a stop that waits (and kills after 10 s), and polling until something is up.
import { ChildProcess, spawn } from "child_process";
import * as net from "net";
import { runTool } from "./tools";

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

/** Starts `cmd` (failing with the install hint when it is missing); its output goes to `log`. */
export function start(cmd: string, args: string[], debianPackage: string, log: string[]): ChildProcess {
    runTool(cmd, ["--version"], debianPackage);
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const keep = (d: Buffer) => { if (log.length < 2000) log.push(String(d)); };
    p.stdout!.on("data", keep);
    p.stderr!.on("data", keep);
    return p;
}

export async function stop(p: ChildProcess | undefined): Promise<void> {
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>(resolve => {
        const t = setTimeout(() => { p.kill("SIGKILL"); }, 10000);
        p.once("exit", () => { clearTimeout(t); resolve(); });
        p.kill("SIGTERM");
    });
}

/** Calls `f` every 500 ms until it returns a value (errors count as not yet), or fails after `timeoutMs`. */
export async function poll<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined>): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
        try {
            const v = await f();
            if (v !== undefined) return v;
        } catch { /* not up yet */ }
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise(r => setTimeout(r, 500));
    }
}
