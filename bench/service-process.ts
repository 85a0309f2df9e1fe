import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { readProcMemory, type ProcMemory } from "./proc-memory.js";

/** A service's memory and complaints at the end of a phase. */
export interface ProcessFigures {
  pid: number | null;
  memory: ProcMemory | null;
  /** Messages of its warn/error log records during the phase (first 10), and how many there were. */
  warnings: string[];
  warningCount: number;
}

/** One JSON log record (pino) a service printed. */
export type LogRecord = Record<string, unknown> & { msg?: unknown; level?: unknown };

const running = new Set<ServiceProcess>();

/** How many non-JSON output lines (stderr, stray stdout) are kept for error messages. */
const TAIL_LINES = 40;

/**
 * A product entry point run as a deployment runs it: `node --import tsx <entry>` as a direct child
 * (so its pid is the service's own), configured through the environment only, JSON logs on stdout.
 */
export class ServiceProcess {
  /** Every JSON record printed on stdout, in order. */
  readonly records: LogRecord[] = [];
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  private readonly tail: string[] = [];
  private readonly child: ChildProcess;
  private listeners: (() => void)[] = [];

  private constructor(
    readonly name: string,
    entry: string,
    cwd: string,
    env: NodeJS.ProcessEnv,
  ) {
    // BENCH_PROFILE_DIR: each service writes a V8 CPU profile there when it exits (for finding where time goes).
    const profile = process.env.BENCH_PROFILE_DIR
      ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
      : [];
    this.child = spawn(process.execPath, [...profile, "--import", "tsx", entry], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        running.delete(this);
        resolve(code ?? signal ?? "unknown");
        this.notify();
      });
      this.child.once("error", (error) => {
        running.delete(this);
        this.keep(`spawn failed: ${error.message}`);
        resolve("spawn-error");
        this.notify();
      });
    });
    if (this.child.stdout) createInterface({ input: this.child.stdout }).on("line", (line) => this.onStdout(line));
    if (this.child.stderr) createInterface({ input: this.child.stderr }).on("line", (line) => this.keep(line));
  }

  /** Spawns `node --import tsx <entry>` in `cwd` with exactly `env`. */
  static start(name: string, entry: string, cwd: string, env: NodeJS.ProcessEnv): ServiceProcess {
    return new ServiceProcess(name, entry, cwd, env);
  }

  /** The child's pid (the node process running the entry point). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Resolves with the first record (from `from` on) whose `msg` is `message`. Rejects when the process
   * exits first or after `timeoutMs`, with the output's tail in the message.
   */
  waitForLog(message: string, timeoutMs: number, from = 0): Promise<LogRecord> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.records.slice(from).find((r) => r.msg === message);
        if (found) return finish(() => resolve(found));
        if (!this.alive)
          finish(() => reject(new Error(`${this.name} exited before logging "${message}"\n${this.describe()}`)));
      };
      const timer = setTimeout(
        () =>
          finish(() => reject(new Error(`${this.name}: no "${message}" within ${timeoutMs} ms\n${this.describe()}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        settle();
      };
      this.listeners.push(check);
      check();
    });
  }

  /** Records at level warn or above since index `from` (pino: warn 40, error 50, fatal 60). */
  problems(from = 0): LogRecord[] {
    return this.records.slice(from).filter((r) => typeof r.level === "number" && r.level >= 40);
  }

  /** Its pid, memory now, and the warnings and errors it logged since record `from`. */
  async figures(from = 0): Promise<ProcessFigures> {
    const problems = this.problems(from);
    return {
      pid: this.pid ?? null,
      memory: await this.memory(),
      warnings: problems.slice(0, 10).map((p) => `${String(p.msg)}${p["err"] ? `: ${JSON.stringify(p["err"])}` : ""}`),
      warningCount: problems.length,
    };
  }

  /** VmHWM and VmRSS of the child process now. */
  memory(): Promise<ProcMemory | null> {
    return this.child.pid === undefined ? Promise.resolve(null) : readProcMemory(this.child.pid);
  }

  /** The last lines that were not log records, and the last records, for error messages. */
  describe(): string {
    const records = this.records.slice(-5).map((r) => `  ${JSON.stringify(r)}`);
    return [`${this.name} output (tail):`, ...this.tail.map((l) => `  ${l}`), ...records].join("\n");
  }

  /** SIGTERM (the service shuts down in order), then SIGKILL after `graceMs`; resolves once it exited. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL now, if still running (safe in an exit handler). */
  kill(): void {
    if (this.alive) this.child.kill("SIGKILL");
  }

  private onStdout(line: string): void {
    if (line.startsWith("{")) {
      try {
        this.records.push(JSON.parse(line) as LogRecord);
        this.notify();
        return;
      } catch {
        // not JSON after all: keep it as text
      }
    }
    this.keep(line);
  }

  private keep(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** `work`, unless one of `services` exits first: then rejects with that service's output tail. */
export function unlessExited<T>(work: Promise<T>, services: readonly ServiceProcess[]): Promise<T> {
  const exits = services.map((s) =>
    s.exited.then((code): never => {
      throw new Error(`${s.name} exited (${code}) during the run\n${s.describe()}`);
    }),
  );
  return Promise.race([work, ...exits]);
}

/** Stops every service still running (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopAllServices(graceMs = 5_000): Promise<void> {
  await Promise.all([...running].map((s) => s.stop(graceMs)));
}

/** SIGKILLs every service still running; synchronous, for `process.on("exit")`. */
export function killAllServices(): void {
  for (const service of running) service.kill();
}
