// Runs a synthesized function as Lambda would: its own process, the
// template's environment plus what Lambda itself sets, one invocation at a
// time, killed at its timeout, and Lambda's 6 MB limits on the event and the
// result enforced (a breach fails the invocation, as it does in AWS).
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DeployedFunction } from '../../../dev/deployment.ts';

/** Lambda's synchronous invocation payload limit, request and response. */
export const LAMBDA_PAYLOAD_BYTES = 6_291_456;

export type Invocation =
  | { ok: true; result: unknown; resultBytes: number }
  | { ok: false; reason: 'error' | 'timeout' | 'event-too-large' | 'result-too-large'; detail: string };

const CHILD = fileURLToPath(new URL('./lambda-child.mjs', import.meta.url));

export class LambdaProcess {
  private next = 0;
  private pending = new Map<number, (message: { result?: unknown; error?: string }) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private child: ChildProcess;

  private constructor(
    readonly fn: DeployedFunction,
    private readonly env: Record<string, string>,
  ) {
    this.child = this.spawn();
  }

  static async start(fn: DeployedFunction, env: Record<string, string>): Promise<LambdaProcess> {
    const lambda = new LambdaProcess(fn, env);
    await lambda.ready();
    return lambda;
  }

  invoke(event: unknown): Promise<Invocation> {
    const run = this.queue.then(() => this.invokeNow(event));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await exited;
  }

  private spawn(): ChildProcess {
    const { fn } = this;
    const child = fork(
      CHILD,
      [fn.bundle, fn.handler, String(fn.timeoutSeconds * 1000), fn.logicalId, String(fn.memoryMb)],
      {
        env: this.env,
        execArgv: [],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      },
    );
    child.stderr?.on('data', () => undefined);
    child.on('message', (message: { id?: number; result?: unknown; error?: string }) => {
      if (message.id === undefined) return;
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
    });
    return child;
  }

  private ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.child.once('message', () => resolve());
      this.child.once('exit', (code) => reject(new Error(`${this.fn.logicalId} exited (${code}) before it was ready`)));
    });
  }

  private async invokeNow(event: unknown): Promise<Invocation> {
    const eventBytes = Buffer.byteLength(JSON.stringify(event));
    if (eventBytes > LAMBDA_PAYLOAD_BYTES) {
      return { ok: false, reason: 'event-too-large', detail: `${eventBytes} bytes of event` };
    }
    const id = this.next++;
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([
      new Promise<{ result?: unknown; error?: string }>((resolve) => {
        this.pending.set(id, resolve);
        this.child.send({ id, event });
      }),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.fn.timeoutSeconds * 1000);
      }),
    ]);
    clearTimeout(timer);
    if (answer === 'timeout') {
      // Lambda ends the environment at its timeout; the next invocation is a cold start.
      this.pending.delete(id);
      await this.stop();
      this.child = this.spawn();
      await this.ready();
      return { ok: false, reason: 'timeout', detail: `${this.fn.timeoutSeconds} s` };
    }
    if (answer.error !== undefined) return { ok: false, reason: 'error', detail: answer.error };
    const resultBytes = Buffer.byteLength(JSON.stringify(answer.result));
    if (resultBytes > LAMBDA_PAYLOAD_BYTES) {
      return { ok: false, reason: 'result-too-large', detail: `${resultBytes} bytes of result` };
    }
    return { ok: true, result: answer.result, resultBytes };
  }
}
