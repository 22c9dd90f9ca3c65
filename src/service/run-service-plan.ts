import fs from 'node:fs';
import { writeFileAtomicSync } from '../util/write-file-atomic.js';
import { ServiceError } from './service-error.js';
import { formatCommand, type PlannedCommand, type ServicePlan } from './service-plan.js';

/** Runs one command of a plan; throws with its output when it fails. */
export type CommandRunner = (command: PlannedCommand) => Promise<void>;

/** Through execa, with the command's output kept for the error (nothing reaches the terminal unasked). */
export const runWithExeca: CommandRunner = async (planned) => {
  const { execa } = await import('execa');
  const result = await execa(planned.command, planned.args, { reject: false, all: true, timeout: 120_000 });
  if (result.exitCode === 0 && !result.failed) return;
  const output = (result.all ?? '').trim();
  const reason =
    result.exitCode === undefined ? (result.shortMessage ?? 'it could not run') : `exit ${result.exitCode}`;
  throw new ServiceError(
    'SERVICE_COMMAND_FAILED',
    `${formatCommand(planned)} failed (${reason}) while trying to ${planned.why}${output ? `:\n${output}` : ''}`,
  );
};

/**
 * Carries a plan out. An install makes its folders, writes its files (each through a temp file and a rename),
 * copies what it copies, then runs its commands; when a step fails, the commands that ran are undone, every file
 * is put back as it was (or removed), and the error says which step failed and what it printed. An uninstall runs
 * its commands, removes its files, then runs what comes after.
 */
export async function runServicePlan(
  plan: ServicePlan,
  {
    run = runWithExeca,
    onStep = () => undefined,
  }: { run?: CommandRunner; onStep?: (line: string) => void } = {},
): Promise<void> {
  const runStep = async (command: PlannedCommand) => {
    onStep(formatCommand(command));
    try {
      await run(command);
    } catch (error) {
      if (!command.tolerate) throw error;
      onStep(`  (${(error as Error).message.split('\n')[0]}: no matter)`);
    }
  };
  if (plan.action === 'uninstall') {
    for (const command of plan.commands) await runStep(command);
    for (const file of plan.files) {
      onStep(`remove ${file.path}`);
      fs.rmSync(file.path, { force: true });
    }
    for (const command of plan.after) await runStep(command);
    return;
  }
  const restore: (() => void)[] = [];
  let commandsRan = 0;
  try {
    for (const folder of plan.folders) {
      if (fs.existsSync(folder)) continue;
      onStep(`mkdir ${folder}`);
      const made = fs.mkdirSync(folder, { recursive: true, mode: 0o755 });
      if (made) restore.push(() => fs.rmSync(made, { recursive: true, force: true }));
    }
    for (const file of plan.files) {
      onStep(`write ${file.path}`);
      restore.push(keepForRollback(file.path));
      writeFileAtomicSync(file.path, file.content, file.mode);
    }
    for (const [from, to] of plan.copies) {
      onStep(`copy ${from} to ${to}`);
      restore.push(keepForRollback(to));
      fs.copyFileSync(from, to);
    }
    for (const command of plan.commands) {
      await runStep(command);
      // Counted once it worked: a registration that failed (the service there already) undoes nothing of it.
      commandsRan++;
    }
  } catch (error) {
    const undoAll = async (commands: PlannedCommand[]) => {
      for (const command of commands) {
        onStep(`undo: ${formatCommand(command)}`);
        await run(command).catch(() => undefined);
      }
    };
    if (commandsRan > 0) await undoAll(plan.undo);
    for (const undo of restore.reverse()) {
      try {
        undo();
      } catch {
        // Best effort: the error below is the one that matters.
      }
    }
    if (commandsRan > 0) await undoAll(plan.afterUndo);
    if (error instanceof ServiceError) throw error;
    throw new ServiceError(
      'SERVICE_WRITE_FAILED',
      `installing ${plan.name} failed: ${(error as Error).message}`,
    );
  }
}

/** How to put a file back as it is now: its old content, or no file at all. */
function keepForRollback(file: string): () => void {
  let before: Buffer | undefined;
  try {
    before = fs.readFileSync(file);
  } catch {
    before = undefined;
  }
  return () => {
    if (before === undefined) fs.rmSync(file, { force: true });
    else writeFileAtomicSync(file, before, 0o644);
  };
}
