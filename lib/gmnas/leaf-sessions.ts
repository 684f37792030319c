// One native session per live sub-supernet (leaf of the split tree): built, configured for its
// schedule, restricted to its masks, and restored from its checkpoint or from its parent's state.
import * as fs from 'fs';
import * as path from 'path';
import { TorchnasError } from '../errors';
import { openRunSession } from '../dist/run-session';
import type { Session } from '../train/session';
import type { PathSpace } from './path-space';
import type { GmNode } from './split-tree';
import { buildPathSupernet, setPathMasks } from './path-session';

export interface LeafSessionOptions {
  device: string;
  threads: number;
  seed: number;
  precision: 'fp32' | 'bf16';
  channelsLast: boolean | 'auto';
  optimizer: 'sgd' | 'adam' | 'adamw';
  lr: number;
  weightDecay: number;
  /** Restarted children train from fresh weights with a schedule over the epochs left. */
  restart: boolean;
  epochs: number;
  stepsPerEpoch: number;
}

export class LeafSessions {
  private readonly sessions = new Map<number, Session>();
  /** Set by an abort: sessions opened later (a split's children) stop at once too. */
  private cancelled = false;

  constructor(
    private readonly space: PathSpace,
    private readonly o: LeafSessionOptions,
    private readonly runDir: string,
  ) {}

  get(id: number): Session {
    const session = this.sessions.get(id);
    if (!session) throw new TorchnasError('E_STATE', `sub-supernet ${id} has no session`);
    return session;
  }

  /** The epoch a leaf's schedule starts at: 0, or its split epoch when children restart. */
  private scheduleStart(node: GmNode, tree: readonly GmNode[]): number {
    const parent = tree.find((n) => n.id === node.parent);
    return this.o.restart && parent?.split ? parent.split.epoch : 0;
  }

  /** A fresh session for `node`, with `checkpoint` (a path) loaded when given. */
  async open(node: GmNode, tree: readonly GmNode[], checkpoint?: string): Promise<Session> {
    const { o } = this;
    const session = await openRunSession({ ...o, seed: o.seed + 7919 * node.id, microBatches: 1 });
    if (this.cancelled) session.cancel();
    try {
      await buildPathSupernet(session, this.space);
      const totalSteps = (o.epochs - this.scheduleStart(node, tree)) * o.stepsPerEpoch;
      await session.configureTraining({
        optimizer: o.optimizer,
        lr: o.lr,
        weightDecay: o.weightDecay,
        totalSteps,
      });
      if (checkpoint) {
        const { globalStep } = await session.loadCheckpoint(checkpoint);
        if (node.globalStep !== undefined && globalStep !== node.globalStep) {
          throw new TorchnasError(
            'E_DATA',
            `checkpoint ${path.basename(checkpoint)} is at step ${globalStep}, ` +
              `state.json says ${node.globalStep}: the run directory is inconsistent`,
          );
        }
      }
      await setPathMasks(session, node.masks);
    } catch (e) {
      await session.close();
      throw e;
    }
    this.sessions.set(node.id, session);
    return session;
  }

  /** Opens both children of a split node from the parent's current state, then closes the parent. */
  async splitInto(parent: GmNode, tree: readonly GmNode[]): Promise<void> {
    const handoff = path.join(this.runDir, `split-n${parent.id}.pt`);
    await this.get(parent.id).saveCheckpoint(handoff);
    try {
      for (const id of parent.children!) {
        const child = tree.find((n) => n.id === id)!;
        await this.open(child, tree, this.o.restart ? undefined : handoff);
      }
    } finally {
      fs.rmSync(handoff, { force: true });
    }
    await this.get(parent.id).close();
    this.sessions.delete(parent.id);
  }

  /** Stops the running epoch of every leaf at its next step (an abort). */
  cancelAll(): void {
    this.cancelled = true;
    for (const session of this.sessions.values()) session.cancel();
  }

  /** The leaves as one model to close when opening fails. */
  asModel(): { close(): Promise<void> } {
    return { close: () => this.closeAll() };
  }

  async closeAll(): Promise<void> {
    for (const session of this.sessions.values()) await session.close();
    this.sessions.clear();
  }
}
