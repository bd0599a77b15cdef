import type { Command } from 'commander';
import { formatPlanError, loadPlan } from '../core/plan/load-plan.js';
import { renderGantt, renderScheduleTable, simulatePlan } from '../core/plan/simulate-plan.js';
import { planWindows } from '../core/plan/windows.js';
import { readText, withExamples, type CliContext, type CliIo } from './cli-io.js';

/**
 * `aaoe plan validate <file>...` and `aaoe plan simulate <file> [--durations step=minutes,...] [--fail step,...]
 * [--start <ISO instant>] [--default-minutes N]`. Exit codes as `aaoe`: 0 pass, 1 fail (an invalid plan, a
 * simulation that pauses or gets stuck), 2 invalid input.
 */

export function registerPlanCommand(program: Command, ctx: CliContext): Command {
  const plan = program
    .command('plan')
    .description('multi-step plans (docs/plans.md): validate them, simulate their schedule')
    .addHelpText(
      'after',
      '\nExit codes: 0 pass, 1 an invalid plan or a simulation that pauses or gets stuck, 2 invalid input.',
    );
  withExamples(plan, ['aaoe plan validate plans/*.yml', 'aaoe plan simulate plans/db-split.yml']);
  const validateCommand = plan
    .command('validate')
    .description('validate plan files; every error as file:line:col with the fix')
    .argument('<file...>', 'plan files (schemas/plan.schema.json)')
    .action((files: string[]) => {
      ctx.exit(validate(files, ctx.io));
    });
  withExamples(validateCommand, ['aaoe plan validate plans/db-split.yml']);
  const simulateCommand = plan
    .command('simulate')
    .description('the schedule of a plan: its steps in time, within its windows and parallelism; a Mermaid Gantt chart')
    .argument('<file>', 'the plan file')
    .option('--durations <step=minutes,...>', 'how long steps take (others take --default-minutes)')
    .option('--fail <step,...>', 'steps that fail (the simulation shows the rollback order)')
    .option('--start <instant>', 'when it starts, ISO 8601 (default: the next minute)')
    .option('--default-minutes <n>', 'how long a step takes when --durations does not say', '60')
    .action((file: string, options: SimulateValues) => {
      ctx.exit(simulate(file, options, ctx.io));
    });
  withExamples(simulateCommand, [
    'aaoe plan simulate plans/db-split.yml --start 2026-11-23T09:00:00Z',
    'aaoe plan simulate plans/db-split.yml --durations migrate=30,backfill=240 --fail backfill',
  ]);
  return plan;
}

function validate(files: string[], io: CliIo): number {
  let exit = 0;
  for (const file of files) {
    const text = readText(file, io);
    if (text === undefined) {
      exit = 2;
      continue;
    }
    const result = loadPlan(text, file);
    if (result.ok)
      io.stdout(
        `${file}: valid (plan ${result.plan.id}, ${result.plan.steps.length} step${result.plan.steps.length === 1 ? '' : 's'})`,
      );
    else {
      for (const e of result.errors) io.stdout(formatPlanError(e));
      io.stdout(`${file}: ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}`);
      if (exit === 0) exit = 1;
    }
  }
  return exit;
}

type SimulateValues = { durations?: string; fail?: string; start?: string; defaultMinutes: string };
type SimulateOptions = { durations: Record<string, number>; failing: Set<string>; defaultMinutes: number; start: Date };

function simulate(file: string, values: SimulateValues, io: CliIo): number {
  const text = readText(file, io);
  if (text === undefined) return 2;
  const loaded = loadPlan(text, file);
  if (!loaded.ok) {
    for (const e of loaded.errors) io.stderr(formatPlanError(e));
    return 1;
  }
  const plan = loaded.plan;
  const options = simulateOptions(values, new Set(plan.steps.map((s) => s.id)), io);
  if (!options) return 2;
  const { start } = options;
  const simulation = simulatePlan(plan, { ...options, windows: planWindows(plan) });
  io.stdout(`plan ${plan.id}: ${plan.goal}`);
  io.stdout(
    `simulated from ${start.toISOString()}, at most ${plan.policy.maxParallel} step${plan.policy.maxParallel === 1 ? '' : 's'} in parallel (peak ${simulation.peakParallel})\n`,
  );
  io.stdout(renderScheduleTable(simulation));
  io.stdout(`\n\`\`\`mermaid\n${renderGantt(plan, simulation)}\n\`\`\``);
  if (simulation.outcome === 'done') {
    io.stdout(`\ndone at ${simulation.endedAt.toISOString()}`);
    return 0;
  }
  io.stdout(`\n${simulation.outcome}: ${simulation.reason ?? ''}`);
  io.stdout(
    `rollback order (last completed first): ${simulation.rollback.length ? simulation.rollback.join(', ') : '(nothing completed)'}`,
  );
  return 1;
}

/** The simulation's options read from the flags, or undefined after saying on stderr which flag is wrong. */
function simulateOptions(values: SimulateValues, ids: Set<string>, io: CliIo): SimulateOptions | undefined {
  const durations: Record<string, number> = {};
  for (const entry of (values.durations ?? '').split(',').filter(Boolean)) {
    const m = /^\s*([^=\s]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(entry);
    const [, step = '', minutes = ''] = m ?? [];
    if (!m || !ids.has(step) || Number(minutes) <= 0) {
      io.stderr(
        `aaoe plan simulate: --durations entry "${entry}": write step=minutes with a step of the plan (${[...ids].join(', ')}) and a positive number`,
      );
      return undefined;
    }
    durations[step] = Number(minutes);
  }
  const failing = new Set(
    (values.fail ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const id of failing) {
    if (!ids.has(id)) {
      io.stderr(`aaoe plan simulate: --fail "${id}" is not a step of the plan (${[...ids].join(', ')})`);
      return undefined;
    }
  }
  const defaultMinutes = Number(values.defaultMinutes);
  if (!(defaultMinutes > 0)) {
    io.stderr('aaoe plan simulate: --default-minutes takes a positive number of minutes');
    return undefined;
  }
  const start = values.start === undefined ? new Date(Math.ceil(Date.now() / 60_000) * 60_000) : new Date(values.start);
  if (Number.isNaN(start.getTime())) {
    io.stderr(
      `aaoe plan simulate: --start "${values.start}" is not an instant: write ISO 8601, for example 2026-11-23T09:00:00Z`,
    );
    return undefined;
  }
  return { durations, failing, defaultMinutes, start };
}
